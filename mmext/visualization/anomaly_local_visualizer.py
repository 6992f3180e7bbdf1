from typing import Optional, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.dist import master_only
from mmengine.visualization import Visualizer
from mmseg.structures import SegDataSample

from mmext.registry import VISUALIZERS

# Not a colour of the JET map (blue - cyan - green - yellow - red), so the
# outlines stay visible on hot and cold spots alike.
GT_COLOR = (255, 0, 255)  # magenta, RGB
PRED_COLOR = (255, 255, 255)  # white


def put_fitted_text(
    canvas: np.ndarray,
    text: str,
    box: Tuple[int, int, int, int],
    color: Tuple[int, int, int] = (255, 255, 255)
) -> None:
    """Write ``text`` into the ``(x, y, w, h)`` box of ``canvas``, as large
    as fits both its width and its height (never cut)."""
    x, y, w, h = box
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), base = cv2.getTextSize(text, font, 1.0, 1)
    scale = min((w - 2) / tw, 0.7 * h / (th + base), 1.0)
    (tw, th), base = cv2.getTextSize(text, font, scale, 1)
    cv2.putText(canvas, text, (x + max(0, (w - tw) // 2), y + (h + th) // 2),
                font, scale, color, 1, cv2.LINE_AA)


def heat_map(anomaly_map: np.ndarray) -> np.ndarray:
    """Scores in [0, 1] as a JET heat map, RGB uint8, on an absolute scale
    (a normal image stays cold)."""
    scores = (np.clip(anomaly_map, 0, 1) * 255).astype(np.uint8)
    return cv2.applyColorMap(scores, cv2.COLORMAP_JET)[..., ::-1].copy()


def colour_bar(height: int, width: int) -> np.ndarray:
    """A vertical JET scale for [0, 1] (1 on top) with tick labels 0, 0.5,
    1, RGB uint8, ``(height, width, 3)``."""
    bar_width = max(6, width // 3)
    bar = np.zeros((height, width, 3), np.uint8)
    ramp = np.linspace(1, 0, height)[:, None].repeat(bar_width, 1)
    bar[:, :bar_width] = heat_map(ramp)
    label_box_h = max(10, height // 10)
    for value in (1.0, 0.5, 0.0):
        row = int(round((1 - value) * (height - 1)))
        cv2.line(bar, (bar_width, row), (bar_width + 2, row), (255, 255, 255),
                 1)
        top = min(max(0, row - label_box_h // 2), height - label_box_h)
        put_fitted_text(
            bar, f'{value:g}',
            (bar_width + 3, top, width - bar_width - 3, label_box_h))
    return bar


def outline(canvas: np.ndarray, mask: np.ndarray, color: Tuple[int, int,
                                                               int]) -> None:
    """Draw the outer contours of a binary mask on ``canvas`` in place."""
    contours, _ = cv2.findContours((mask > 0).astype(np.uint8),
                                   cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(canvas, contours, -1, color,
                     max(1,
                         min(canvas.shape[:2]) // 128))


def anomaly_panel(image: np.ndarray,
                  anomaly_map: np.ndarray,
                  score: float,
                  gt_mask: Optional[np.ndarray] = None,
                  threshold: Optional[float] = None,
                  alpha: float = 0.5) -> np.ndarray:
    """The image | heat map | overlay panel of one prediction.

    Each part has a title strip; a colour bar for the heat map's [0, 1]
    scale is on the right. The image and the heat map are left clean (an
    outline would hide thin defects); on the overlay the ground-truth mask
    is outlined in magenta and the predicted mask (``anomaly_map >=
    threshold``) in white, each named in those colours in a legend strip
    below, and its title gives the image score (and the decision when a
    threshold is given).

    Args:
        image (np.ndarray): The RGB image, ``(H, W, 3)`` uint8.
        anomaly_map (np.ndarray): Scores in [0, 1], ``(H, W)``.
        score (float): The image score.
        gt_mask (np.ndarray, optional): Ground truth, ``(H, W)``, > 0
            anomalous.
        threshold (float, optional): Score threshold of the binary mask and
            of the image decision.
        alpha (float): Weight of the heat map in the overlay.

    Returns:
        np.ndarray: The RGB panel, ``(H + title + legend, 3 W + bar, 3)``
        uint8 (the legend strip, as high as the title, only when something
        is outlined).
    """
    if image.shape[:2] != anomaly_map.shape:
        raise ValueError(f'image {image.shape[:2]} and anomaly map '
                         f'{anomaly_map.shape} differ in size')
    height, width = anomaly_map.shape
    heat = heat_map(anomaly_map)
    overlay = cv2.addWeighted(image, 1 - alpha, heat, alpha, 0)
    if gt_mask is not None:
        outline(overlay, gt_mask, GT_COLOR)
    title = f'score {score:.3f}'
    if threshold is not None:
        outline(overlay, anomaly_map >= threshold, PRED_COLOR)
        title += ' anomalous' if score >= threshold else ' normal'
    title_h = max(14, height // 8)
    bar_w = max(24, width // 5)
    legend = []
    if gt_mask is not None:
        legend.append(('outline: ground truth', GT_COLOR))
    if threshold is not None:
        legend.append((f'outline: map >= {threshold:g}', PRED_COLOR))
    legend_h = title_h if legend else 0
    panel = np.zeros((height + title_h + legend_h, 3 * width + bar_w, 3),
                     np.uint8)
    parts = ((image, 'image'), (heat, 'anomaly map'), (overlay, title))
    for i, (part, name) in enumerate(parts):
        panel[title_h:title_h + height, i * width:(i + 1) * width] = part
        put_fitted_text(panel, name, (i * width, 0, width, title_h))
    panel[title_h:title_h + height, 3 * width:] = colour_bar(height, bar_w)
    key_w = 3 * width // 2
    for i, (text, color) in enumerate(legend):
        put_fitted_text(panel, text,
                        (i * key_w, title_h + height, key_w, legend_h), color)
    return panel


def check_anomaly_visualizer(visualizer: Visualizer, user: str) -> None:
    """Refuse, naming the config key, a visualizer that cannot draw anomaly
    panels for ``user`` (the hook or the inferencer)."""
    if not isinstance(visualizer, AnomalyLocalVisualizer):
        raise TypeError(
            f'{user} draws through an AnomalyLocalVisualizer; the config\'s '
            f'visualizer is a {type(visualizer).__name__}: set visualizer = '
            "dict(type='mmext.AnomalyLocalVisualizer', ...)")


@VISUALIZERS.register_module()
class AnomalyLocalVisualizer(Visualizer):
    """Draws anomaly predictions (``pred_anomaly_map``, ``pred_score`` of a
    ``SegDataSample``) as :func:`anomaly_panel`; the ground-truth mask
    (``gt_sem_seg``) is outlined when present and ``draw_gt``.

    Args:
        name (str): Instance name.
        threshold (float, optional): Default threshold of the predicted
            mask and the image decision; ``add_datasample`` may override it.
        alpha (float): Weight of the heat map in the overlay.
        **kwargs: mmengine ``Visualizer``'s (``vis_backends``,
            ``save_dir``).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 threshold: Optional[float] = None,
                 alpha: float = 0.5,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.threshold = threshold
        self.alpha = alpha

    def draw_panel(self,
                   image: np.ndarray,
                   data_sample: SegDataSample,
                   draw_gt: bool = True,
                   threshold: Optional[float] = None) -> np.ndarray:
        """The RGB panel of one prediction on its RGB image. The threshold
        is ``threshold``, else the sample's ``anomaly_threshold`` (set by
        :class:`AnomalyInferencer`), else the visualizer's."""
        if 'pred_anomaly_map' not in data_sample:
            raise KeyError('the data sample has no pred_anomaly_map: draw '
                           'the output of an anomaly model (e.g. DMDD)')
        anomaly_map = data_sample.pred_anomaly_map.data[0].cpu().numpy()
        if image.shape[:2] != anomaly_map.shape:
            image = mmcv.imresize(image, anomaly_map.shape[::-1])
        gt_mask = None
        if draw_gt and 'gt_sem_seg' in data_sample:
            gt_mask = data_sample.gt_sem_seg.data[0].cpu().numpy()
            if gt_mask.shape != anomaly_map.shape:
                gt_mask = mmcv.imresize(
                    gt_mask.astype(np.uint8),
                    anomaly_map.shape[::-1],
                    interpolation='nearest')
        if threshold is None:
            threshold = data_sample.metainfo.get('anomaly_threshold',
                                                 self.threshold)
        return anomaly_panel(image, anomaly_map, float(data_sample.pred_score),
                             gt_mask, threshold, self.alpha)

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       threshold: Optional[float] = None,
                       step: int = 0) -> None:
        """Draw the panel of ``data_sample`` on the RGB ``image``; show it,
        write it to ``out_file``, or else hand it to the backends."""
        panel = image if data_sample is None or not draw_pred else \
            self.draw_panel(image, data_sample, draw_gt, threshold)
        self.set_image(panel)
        if show:
            self.show(panel, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(panel[..., ::-1], out_file)
        else:
            self.add_image(name, panel, step)

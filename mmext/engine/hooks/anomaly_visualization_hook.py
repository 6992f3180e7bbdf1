import os.path as osp
from typing import Optional, Sequence

import cv2
import mmcv
import numpy as np
from mmengine.fileio import get
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmseg.structures import SegDataSample

from mmext.registry import HOOKS


def anomaly_panel(image: np.ndarray,
                  anomaly_map: np.ndarray,
                  mask: Optional[np.ndarray],
                  score: float,
                  alpha: float = 0.5) -> np.ndarray:
    """Image, ground-truth mask and heat-map overlay side by side.

    Args:
        image (np.ndarray): The BGR image, ``(H, W, 3)`` uint8.
        anomaly_map (np.ndarray): Scores in [0, 1], ``(H, W)``; drawn on an
            absolute scale so normal images stay cold.
        mask (np.ndarray, optional): Ground truth, ``(H, W)``, > 0 anomalous;
            its outline is drawn on the overlay.
        score (float): The image score, written on the overlay.
        alpha (float): Weight of the heat map in the overlay.

    Returns:
        np.ndarray: A ``(H, 3 W, 3)`` uint8 panel.
    """
    heat = cv2.applyColorMap(
        (np.clip(anomaly_map, 0, 1) * 255).astype(np.uint8), cv2.COLORMAP_JET)
    overlay = cv2.addWeighted(image, 1 - alpha, heat, alpha, 0)
    truth = np.zeros_like(image)
    if mask is not None:
        binary = (mask > 0).astype(np.uint8)
        truth[binary > 0] = 255
        contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(overlay, contours, -1, (0, 255, 0), 1)
    cv2.putText(overlay, f'{score:.3f}', (4, 16), cv2.FONT_HERSHEY_SIMPLEX,
                0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return np.concatenate([image, truth, overlay], axis=1)


@HOOKS.register_module()
class AnomalyVisualizationHook(Hook):
    """Draw anomaly heat maps of the test images (``tools/test.py
    --show-dir``): one panel per image with the image, its ground-truth mask
    and the heat map over the image (mask outlined in green, image score in
    the corner), written to ``<log_dir>/<test_out_dir>/<category>/<defect
    type>/<image name>.png``.

    Args:
        draw (bool): Draw at all. ``tools/test.py`` switches it on.
        interval (int): Draw every ``interval``-th test batch.
        show (bool): Show each panel in a window.
        wait_time (float): Seconds a shown panel stays.
        test_out_dir (str, optional): Folder under the run's log dir.
        alpha (float): Heat-map weight in the overlay.
    """
    priority = 'NORMAL'

    def __init__(self,
                 draw: bool = False,
                 interval: int = 1,
                 show: bool = False,
                 wait_time: float = 0.,
                 test_out_dir: Optional[str] = None,
                 alpha: float = 0.5) -> None:
        self.draw = draw
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self.alpha = alpha

    def after_test_iter(self, runner: Runner, batch_idx: int,
                        data_batch: dict,
                        outputs: Sequence[SegDataSample]) -> None:
        if not self.draw or batch_idx % self.interval:
            return
        for sample in outputs:
            image = mmcv.imfrombytes(get(sample.img_path), channel_order='bgr')
            mask = (sample.gt_sem_seg.data[0].cpu().numpy()
                    if 'gt_sem_seg' in sample else None)
            panel = anomaly_panel(
                image, sample.pred_anomaly_map.data[0].cpu().numpy(), mask,
                float(sample.pred_score), self.alpha)
            name = osp.splitext(osp.basename(sample.img_path))[0] + '.png'
            if self.show:
                mmcv.imshow(panel, name, int(self.wait_time * 1000))
            if self.test_out_dir is not None:
                mmcv.imwrite(
                    panel,
                    osp.join(runner.log_dir, self.test_out_dir,
                             sample.metainfo.get('category', ''),
                             sample.metainfo.get('defect_type', ''), name))

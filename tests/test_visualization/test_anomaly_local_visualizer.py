"""The anomaly panel: layout, outlines in colours the heat map never uses,
the colour bar's scale, titles that fit, and the visualizer's sources of
the threshold."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmext.visualization import AnomalyLocalVisualizer, anomaly_panel
from mmext.visualization.anomaly_local_visualizer import (GT_COLOR, PRED_COLOR,
                                                          heat_map)


def blob(height=96, width=128):
    yy, xx = np.mgrid[:height, :width]
    anomaly_map = np.exp(-((yy - 40)**2 + (xx - 70)**2) / 200.)
    gt = (((yy - 40)**2 + (xx - 70)**2) < 150).astype(np.uint8)
    image = np.full((height, width, 3), 100, np.uint8)
    return image, anomaly_map, gt


def test_panel_layout_and_outlines():
    image, anomaly_map, gt = blob()
    h, w = anomaly_map.shape
    panel = anomaly_panel(image, anomaly_map, 0.9, gt, threshold=0.5)
    title_h, bar_w = max(14, h // 8), max(24, w // 5)
    # title strip, the parts, a legend strip (something is outlined)
    assert panel.shape == (h + 2 * title_h, 3 * w + bar_w, 3)
    shown, heat, overlay = (
        panel[title_h:title_h + h, i * w:(i + 1) * w] for i in range(3))
    # The heat map itself is drawn untouched; the outlines' colours are
    # none of its colours, so they stay visible on hot spots.
    assert (heat == heat_map(anomaly_map)).all()
    jet = heat_map(np.linspace(0, 1, 256)[None])[0]
    for color in (GT_COLOR, PRED_COLOR):
        assert np.abs(jet.astype(int) - color).sum(1).min() > 100
    assert (shown == image).all()  # left clean
    gt_pixels = (overlay == GT_COLOR).all(-1)
    pred_pixels = (overlay == PRED_COLOR).all(-1)
    assert gt_pixels.any() and pred_pixels.any()
    near_gt = cv2.dilate(gt, None, iterations=2) > 0
    assert near_gt[gt_pixels].all()
    # Titles are drawn in the strip above the parts; the legend below names
    # each outline in its colour.
    assert panel[:title_h, :3 * w].max() > 0
    legend = panel[title_h + h:].astype(int)
    key_w = 3 * w // 2
    red, green, blue = legend[..., 0], legend[..., 1], legend[..., 2]
    magenta = (red > 80) & (blue > 80) & (green < red // 3)
    white = (red > 80) & (green > 80) & (blue > 80)
    assert magenta[:, :key_w].sum() > 20 and not magenta[:, key_w:].any()
    assert white[:, key_w:].sum() > 20 and not white[:, :key_w].any()
    # Nothing outlined, no legend.
    assert anomaly_panel(image, anomaly_map,
                         0.9).shape == (h + title_h, 3 * w + bar_w, 3)


def test_colour_bar_runs_from_cold_to_hot():
    image, anomaly_map, _ = blob()
    h, w = anomaly_map.shape
    panel = anomaly_panel(image, anomaly_map, 0.2)
    bar = panel[max(14, h // 8):, 3 * w:3 * w + 6]
    top, bottom = bar[1, 0].astype(int), bar[-2, 0].astype(int)
    assert top[0] > 100 and top[2] < 50  # red (RGB)
    assert bottom[2] > 100 and bottom[0] < 50  # blue


def test_panel_refuses_mismatched_sizes():
    image, anomaly_map, _ = blob()
    with pytest.raises(ValueError, match='differ in size'):
        anomaly_panel(image[:50], anomaly_map, 0.5)


def test_visualizer_threshold_sources(tmp_path):
    image, anomaly_map, gt = blob()
    sample = SegDataSample()
    sample.pred_anomaly_map = PixelData(
        data=torch.from_numpy(anomaly_map)[None].float())
    sample.pred_score = torch.tensor(0.9)
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
    visualizer = AnomalyLocalVisualizer(name='anomaly_vis_test')
    h, w = anomaly_map.shape

    def parts(panel):  # the three parts, without titles and colour bar
        return panel[max(14, h // 8):, :3 * w]

    plain = parts(visualizer.draw_panel(image, sample))
    assert (plain == GT_COLOR).all(-1).any()
    assert not (plain == PRED_COLOR).all(-1).any()
    assert not (parts(visualizer.draw_panel(image, sample, draw_gt=False))
                == GT_COLOR).all(-1).any()
    # The sample's threshold (set by AnomalyInferencer) outlines the mask.
    sample.set_metainfo(dict(anomaly_threshold=0.5))
    assert (parts(visualizer.draw_panel(image,
                                        sample)) == PRED_COLOR).all(-1).any()
    # An image of another size is resized to the map's.
    visualizer.add_datasample(
        'x', image[::2, ::2].copy(), sample, out_file=str(tmp_path / 'p.png'))
    assert (tmp_path / 'p.png').is_file()
    with pytest.raises(KeyError, match='pred_anomaly_map'):
        visualizer.draw_panel(image, SegDataSample())

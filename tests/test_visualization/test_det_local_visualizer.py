"""mmext's DetLocalVisualizer keeps labels of boxes at the right / bottom
edge inside the image (mmdet's cuts them)."""
import numpy as np
from mmdet.visualization import DetLocalVisualizer as MMDetVisualizer

from mmext.visualization import DetLocalVisualizer

LABEL_BOX = dict(facecolor='black', alpha=0.8, pad=0.7, edgecolor='none')


def label_extents(visualizer):
    """Draw labels as mmdet's _draw_instances does (at a box's top-left
    corner): one of a box in the bottom-right corner, one at the top-left."""
    visualizer.set_image(np.full((120, 160, 3), 90, np.uint8))
    visualizer.draw_texts(['astronaut: 99.0', 'coffee: 50.0'],
                          np.array([[122., 102.], [7., 7.]]),
                          font_sizes=[13, 13],
                          bboxes=[LABEL_BOX, LABEL_BOX])
    renderer = visualizer.fig_save.canvas.get_renderer()
    extents = []
    for text in visualizer.ax_save.texts:
        text.update_bbox_position_size(renderer)
        extents.append(text.get_bbox_patch().get_window_extent(renderer))
    return extents, visualizer.fig_save.bbox


def inside(extent, figure):
    return (extent.x0 >= -0.5 and extent.y0 >= -0.5
            and extent.x1 <= figure.width + 0.5
            and extent.y1 <= figure.height + 0.5)


def test_labels_stay_inside_the_image():
    extents, figure = label_extents(DetLocalVisualizer(name='mmext_det_vis'))
    assert len(extents) == 2 and all(inside(e, figure) for e in extents)
    # mmdet's own cuts the label at the corner, and both leave the other.
    mmdet_extents, figure = label_extents(
        MMDetVisualizer(name='mmdet_det_vis'))
    assert not inside(mmdet_extents[0], figure)
    assert np.allclose(mmdet_extents[1].bounds, extents[1].bounds)


def test_mmext_configs_draw_with_it():
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmext.registry import VISUALIZERS
    init_default_scope('mmext')
    cfg = Config.fromfile('configs/demo/atss_r18_fpn_10e_demo.py')
    visualizer = VISUALIZERS.build(dict(cfg.visualizer, name='from_config'))
    assert type(visualizer) is DetLocalVisualizer

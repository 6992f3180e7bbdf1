from typing import List, Union

import numpy as np
import torch
from mmdet.visualization import DetLocalVisualizer as MMDetLocalVisualizer

from mmext.registry import VISUALIZERS


@VISUALIZERS.register_module()
class DetLocalVisualizer(MMDetLocalVisualizer):
    """mmdet's ``DetLocalVisualizer`` whose labels stay inside the image.

    mmdet writes a box's label from the box's top-left corner, so the label
    of a box near the right or bottom edge is cut (``astronau``). Here each
    text drawn is measured once rendered and moved left / up by what
    overflows (never past the left / top edge). mmext's configs
    (``default_scope='mmext'``) get it by mmdet's name.
    """

    def draw_texts(self, texts: Union[str, List[str]],
                   positions: Union[np.ndarray, torch.Tensor], *args,
                   **kwargs) -> 'DetLocalVisualizer':
        first_new = len(self.ax_save.texts)
        super().draw_texts(texts, positions, *args, **kwargs)
        renderer = self.fig_save.canvas.get_renderer()
        width, height = self.fig_save.bbox.width, self.fig_save.bbox.height
        to_data = self.ax_save.transData.inverted()
        for text in self.ax_save.texts[first_new:]:
            text.update_bbox_position_size(renderer)
            patch = text.get_bbox_patch()
            extent = (patch if patch is not None else
                      text).get_window_extent(renderer)
            # Display coordinates: x to the right, y up from the bottom.
            dx = max(min(0., width - extent.x1), -extent.x0)
            dy = max(min(0., height - extent.y1), -extent.y0)
            if dx or dy:
                (x0, y0), (x1, y1) = to_data.transform([(0, 0), (dx, dy)])
                x, y = text.get_position()
                text.set_position((x + x1 - x0, y + y1 - y0))
        return self

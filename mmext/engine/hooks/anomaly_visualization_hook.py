import os.path as osp
from typing import Optional, Sequence

import mmcv
from mmengine.fileio import get
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmseg.structures import SegDataSample

from mmext.registry import HOOKS
from mmext.visualization import check_anomaly_visualizer


@HOOKS.register_module()
class AnomalyVisualizationHook(Hook):
    """Draw the test images' anomaly predictions (``tools/test.py --show /
    --show-dir``) through the runner's :class:`AnomalyLocalVisualizer`, as
    mmdet's ``DetVisualizationHook`` does for detections: one panel per image
    (image | heat map | overlay, ground truth outlined), written to
    ``<log_dir>/<test_out_dir>/<category>/<defect type>/<image name>.png``,
    shown, or else given to the visualizer's backends.

    Args:
        draw (bool): Draw at all. ``tools/test.py`` switches it on.
        interval (int): Draw every ``interval``-th test batch.
        show (bool): Show each panel in a window.
        wait_time (float): Seconds a shown panel stays.
        test_out_dir (str, optional): Folder under the run's log dir.
        threshold (float, optional): Outline ``anomaly map >= threshold``
            and write the image's decision (default: the visualizer's).
    """
    priority = 'NORMAL'

    def __init__(self,
                 draw: bool = False,
                 interval: int = 1,
                 show: bool = False,
                 wait_time: float = 0.,
                 test_out_dir: Optional[str] = None,
                 threshold: Optional[float] = None) -> None:
        self.draw = draw
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self.threshold = threshold

    def before_test(self, runner: Runner) -> None:
        if self.draw:
            check_anomaly_visualizer(runner.visualizer,
                                     'AnomalyVisualizationHook')

    def after_test_iter(self, runner: Runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[SegDataSample]) -> None:
        if not self.draw or batch_idx % self.interval:
            return
        for sample in outputs:
            image = mmcv.imfrombytes(get(sample.img_path), channel_order='rgb')
            name = osp.splitext(osp.basename(sample.img_path))[0] + '.png'
            out_file = None
            if self.test_out_dir is not None:
                out_file = osp.join(runner.log_dir, self.test_out_dir,
                                    sample.metainfo.get('category', ''),
                                    sample.metainfo.get('defect_type', ''),
                                    name)
            runner.visualizer.add_datasample(
                name,
                image,
                sample,
                show=self.show,
                wait_time=self.wait_time,
                out_file=out_file,
                threshold=self.threshold,
                step=batch_idx)

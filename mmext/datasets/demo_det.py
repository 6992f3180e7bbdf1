from mmdet.datasets import CocoDataset

from mmext.registry import DATASETS


@DATASETS.register_module()
class DemoDetDataset(CocoDataset):
    """mmext's embedded demo detection set, in COCO format.

    Written by ``tools/misc/make_demo_data.py`` from photographs bundled with
    scikit-image; this class only fixes the class names and palette so that
    configs need not repeat them.
    """

    METAINFO = {
        'classes': ('astronaut', 'shuttle', 'rocket', 'cat', 'cup', 'coin'),
        'palette': [(220, 20, 60), (0, 82, 255), (255, 140, 0), (0, 170, 80),
                    (160, 32, 240), (230, 200, 0)]
    }

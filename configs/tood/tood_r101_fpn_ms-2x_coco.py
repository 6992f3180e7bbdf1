# TOOD R-101 2x with multi-scale training (mmdet's model zoo: 46.1 box AP),
# with mmext's head and assigner.
_base_ = ['mmdet::tood/tood_r101_fpn_ms-2x_coco.py', '../_base_/guarantees.py']
default_scope = 'mmext'

model = dict(
    bbox_head=dict(type='mmext.TOODHead'),
    train_cfg=dict(
        assigner=dict(type='mmext.TaskAlignedAssigner', topk=13)))

# mmext's guarantees (_base_/guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))

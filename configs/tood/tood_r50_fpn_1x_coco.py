# TOOD R-50 1x (mmdet's model zoo: 42.4 box AP) with mmext's memory-lean
# TaskAlignedAssigner: the same assignment as mmdet's, without dense
# num_priors x num_gts matrices.
_base_ = 'mmdet::tood/tood_r50_fpn_1x_coco.py'
default_scope = 'mmext'

# Dicts inherited from mmdet's config carry _scope_='mmdet', so the type names
# its scope.
model = dict(
    train_cfg=dict(
        assigner=dict(type='mmext.TaskAlignedAssigner', topk=13)))

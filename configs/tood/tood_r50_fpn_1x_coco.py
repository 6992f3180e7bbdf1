# TOOD R-50 1x (mmdet's model zoo: 42.4 box AP) with mmext's TOODHead (mmdet's
# head, checkpoint-compatible, faster on CPU) and mmext's TaskAlignedAssigner
# (mmdet's assignment without dense num_priors x num_gts matrices).
_base_ = ['mmdet::tood/tood_r50_fpn_1x_coco.py', '../_base_/guarantees.py']
default_scope = 'mmext'

# Dicts inherited from mmdet's config carry _scope_='mmdet', so the types name
# their scope.
model = dict(
    bbox_head=dict(type='mmext.TOODHead'),
    train_cfg=dict(
        assigner=dict(type='mmext.TaskAlignedAssigner', topk=13)))

# The authors train 4 images a GPU on 4 GPUs (fcjian/TOOD@1bda27c:
# configs/tood/tood_r50_fpn_1x_coco.py:71 and README.md:36), mmdet 2 on 8:
# the same 16 images and lr 0.01 (the backbone's BN is frozen).
train_dataloader = dict(batch_size=4, num_workers=4)

# mmext's guarantees (_base_/guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))

# GFL R-50 1x with RCNet in place of FPN (the authors report 43.1 AP):
# TempleX98/RCNet@2bff595 configs/rcnet/gfl_r50_rcfpn_1x_coco.py, BN in the
# neck, 4 images a GPU at lr 0.01 (16 images on 4 GPUs), on mmdet's GFL.
_base_ = ['mmdet::gfl/gfl_r50_fpn_1x_coco.py', '../_base_/guarantees.py']
default_scope = 'mmext'

model = dict(
    neck=dict(
        type='mmext.RCNet', norm_cfg=dict(type='BN', requires_grad=True)))
train_dataloader = dict(batch_size=4, num_workers=2)
auto_scale_lr = dict(base_batch_size=16)

# mmext's guarantees (_base_/guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))

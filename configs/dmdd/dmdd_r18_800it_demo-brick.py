# DMDD on the embedded demo texture set (data/demo_ad, `make data`), on CPU
# in minutes: a randomly initialised ResNet-18 teacher (no download), 128 x
# 128 inputs, a narrower segmentation head, procedural anomaly textures.
_base_ = [
    '../_base_/models/dmdd_wrn50.py', '../_base_/datasets/mvtec_ad.py',
    '../_base_/schedules/dmdd_5k.py'
]
teacher_channels = (64, 128, 256)
image_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=image_size),
    # ResNet-18 in place of WideResNet-50, randomly initialised.
    teacher=dict(type='ResNet', depth=18, init_cfg=None),
    student=dict(out_channels=teacher_channels),
    seg_head=dict(in_channels=teacher_channels, channels=64),
    distill_iters=300,
    # evaluated on the masks at their full size (its test pipeline)
    map_size='original')

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='mmext.SynthesizeAnomaly', texture_dir=None),
    dict(type='mmext.PackAnomalyInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='mmext.LoadAnomalyMask'),
    dict(type='mmext.PackAnomalyInputs'),
]
data_root = 'data/demo_ad/'
category = 'brick'
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        data_root=data_root, category=category, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        data_root=data_root, category=category, pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_iters=800, val_interval=400)
# The learning rates stay DeSTSeg's at batch 8: the distillation losses are
# sums over the batch (each image weighs as in DeSTSeg's batch of 32) and the
# segmentation losses means.
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=400))
# Seeded: the synthetic anomalies, hence the scores, vary from run to run.
randomness = dict(seed=0)

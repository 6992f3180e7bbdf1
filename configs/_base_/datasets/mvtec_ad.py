# One MVTec AD category: train on its normal images with synthetic anomalies
# (DRAEM's Perlin masks and DTD textures), test on its test split with the
# masks at full size.
dataset_type = 'mmext.MVTecADDataset'
data_root = 'data/mvtec_ad/'
category = 'bottle'
# DTD (Cimpoi et al., CVPR 2014) images, as DRAEM and DeSTSeg; set it to None
# for mmext's procedural textures (no download).
texture_dir = 'data/dtd/images/'
image_size = (256, 256)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='mmext.SynthesizeAnomaly', texture_dir=texture_dir),
    dict(type='mmext.PackAnomalyInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    # After Resize: the mask stays at the image's original size.
    dict(type='mmext.LoadAnomalyMask'),
    dict(type='mmext.PackAnomalyInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        category=category,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        category=category,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmext.AnomalyMetric', max_fpr=0.3)
test_evaluator = val_evaluator

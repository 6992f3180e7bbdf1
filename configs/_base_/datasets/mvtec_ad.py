# One MVTec AD category: train on its normal images with synthetic anomalies
# (DRAEM's Perlin masks and DTD textures), test on its test split.
# Evaluation: DeSTSeg's protocol (apple/ml-destseg@f6ea31f: eval.py,
# data/mvtec_dataset.py:35-42), our reading of how DMDD's numbers were
# measured: masks resized to the 256 x 256 input (bilinear with
# antialiasing, >= 0.5) against the network's 256 x 256 map
# (model.map_size='input' in ../models/dmdd_wrn50.py). For masks at full
# size: --cfg-options model.map_size=original
# test_dataloader.dataset.pipeline.2.scale=None (and the same for
# val_dataloader).
dataset_type = 'mmext.MVTecADDataset'
data_root = 'data/mvtec_ad/'
category = 'bottle'
# DTD (Cimpoi et al., CVPR 2014) images, as DRAEM and DeSTSeg; set it to None
# for mmext's procedural textures (no download).
texture_dir = 'data/dtd/images/'
image_size = (256, 256)

# DeSTSeg turns the normal images of some categories before the synthesis
# (train.py:194-227): train_pipeline_rotation (a right angle, then up to 5
# degrees: bottle, grid, hazelnut, leather, tile, carpet, screw),
# train_pipeline_slight_rotation (up to 5 degrees: cable, wood, zipper) or
# train_pipeline (no turn: the others). The configs of configs/dmdd/ take
# bottle's, cable's or capsule's config as their base accordingly.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='mmext.SynthesizeAnomaly', texture_dir=texture_dir),
    dict(type='mmext.PackAnomalyInputs'),
]
train_pipeline_slight_rotation = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='mmext.RandomImageRotation', max_degree=5),
    dict(type='mmext.SynthesizeAnomaly', texture_dir=texture_dir),
    dict(type='mmext.PackAnomalyInputs'),
]
train_pipeline_rotation = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='mmext.RandomImageRotation', right_angles=True, max_degree=5),
    dict(type='mmext.SynthesizeAnomaly', texture_dir=texture_dir),
    dict(type='mmext.PackAnomalyInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='mmext.LoadAnomalyMask', scale=image_size),
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

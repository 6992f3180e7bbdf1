_base_ = [
    '../_base_/models/dmdd_wrn50.py', '../_base_/datasets/mvtec_ad.py',
    '../_base_/schedules/dmdd_5k.py'
]
category = 'hazelnut'
train_dataloader = dict(
    dataset=dict(category=category, pipeline=_base_.train_pipeline_rotation))
val_dataloader = dict(dataset=dict(category=category))
test_dataloader = val_dataloader

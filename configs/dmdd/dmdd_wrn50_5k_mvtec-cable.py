_base_ = './dmdd_wrn50_5k_mvtec-bottle.py'  # rotated up to 5 degrees
category = 'cable'
train_dataloader = dict(
    dataset=dict(
        category=category, pipeline=_base_.train_pipeline_slight_rotation))
val_dataloader = dict(dataset=dict(category=category))
test_dataloader = val_dataloader

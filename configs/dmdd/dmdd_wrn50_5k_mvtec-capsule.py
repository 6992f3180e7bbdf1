_base_ = './dmdd_wrn50_5k_mvtec-bottle.py'  # not rotated
category = 'capsule'
train_dataloader = dict(
    dataset=dict(category=category, pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(category=category))
test_dataloader = val_dataloader

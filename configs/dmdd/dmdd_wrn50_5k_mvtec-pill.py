_base_ = './dmdd_wrn50_5k_mvtec-capsule.py'  # not rotated, as capsule
category = 'pill'
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = dict(dataset=dict(category=category))
test_dataloader = val_dataloader

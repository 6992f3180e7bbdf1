_base_ = './dmdd_wrn50_5k_mvtec-bottle.py'  # rotated as bottle
category = 'screw'
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = dict(dataset=dict(category=category))
test_dataloader = val_dataloader

# DMDD's MVTec AD setting on the RGB images of one MVTec 3D-AD category;
# other categories: change `category`.
_base_ = './dmdd_wrn50_5k_mvtec-bottle.py'
dataset = dict(
    type='mmext.MVTec3DADDataset',
    data_root='data/mvtec_3d_anomaly_detection/',
    category='bagel')
# DeSTSeg's rotations are MVTec AD's (bottle's here): none for this set.
train_dataloader = dict(
    dataset=dict(**dataset, pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader

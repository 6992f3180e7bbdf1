# DMDD's MVTec AD setting on one VisA category (split_csv/1cls.csv); other
# categories: change `category`.
_base_ = './dmdd_wrn50_5k_mvtec-bottle.py'
dataset = dict(
    type='mmext.VisADataset', data_root='data/visa/', category='candle')
# DeSTSeg's rotations are MVTec AD's (bottle's here): none for this set.
train_dataloader = dict(
    dataset=dict(**dataset, pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader

# Upper bound of the SSD-Det demo: the same Faster R-CNN as
# faster-rcnn_r18_fpn_500it_demo-noise40.py, trained on the clean boxes.
_base_ = './faster-rcnn_r18_fpn_500it_demo-noise40.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/instances_train.json'))

# Step 2 of the SSD-Det demo: the same Faster R-CNN as
# faster-rcnn_r18_fpn_500it_demo-noise40.py, trained on the boxes SSD-Det
# refined (written by tools/test.py with
# ssd-det_r18_fpn_500it_demo-noise40.py).
_base_ = './faster-rcnn_r18_fpn_500it_demo-noise40.py'

train_dataloader = dict(
    dataset=dict(ann_file='noisy_anns/instances_train_noise40_refined.json'))

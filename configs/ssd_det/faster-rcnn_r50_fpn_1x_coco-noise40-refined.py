# SSD-Det's refine-then-train pipeline, step 2: the same Faster R-CNN as
# faster-rcnn_r50_fpn_1x_coco-noise40.py trained on the boxes refined by
# ssd-det_r50_fpn_1x_coco-noise40.py (its training ends by writing them).
_base_ = './faster-rcnn_r50_fpn_1x_coco-noise40.py'

train_dataloader = dict(
    dataset=dict(
        ann_file='noisy_anns/instances_train2017_noise40_refined.json'))

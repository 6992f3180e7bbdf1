# SSD-Det's refine-then-train pipeline on VOC, step 2: the Faster R-CNN of
# faster-rcnn_r50_fpn_1x_voc07-noise40.py trained on the boxes refined by
# ssd-det_r50_fpn_1x_voc07-noise40.py.
_base_ = './faster-rcnn_r50_fpn_1x_voc07-noise40.py'

train_dataloader = dict(
    dataset=dict(ann_file='noisy_anns/voc07_trainval_noise40_refined.json'))

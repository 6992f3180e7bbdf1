# SSD-Det, ResNet-50 FPN, 12 epochs on COCO train2017 with 40% box noise; the
# authors' schedule (SGD 0.02 for 16 images, warm-up 500 iterations, steps at
# epochs 8 and 11, gradient clipping 10). Training ends by refining the
# training set: noisy_anns/instances_train2017_noise40_refined.json, which
# faster-rcnn_r50_fpn_1x_coco-noise40-refined.py trains on.
_base_ = [
    '../_base_/models/ssd-det_r50_fpn.py',
    '../_base_/datasets/noisy_coco_refinement.py',
    'mmdet::_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]

# Refining 118k images takes about as long as an epoch: once, at the end.
train_cfg = dict(val_interval=12)
optim_wrapper = dict(clip_grad=dict(max_norm=10, norm_type=2))

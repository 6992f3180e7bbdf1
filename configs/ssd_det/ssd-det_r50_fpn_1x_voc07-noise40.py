# SSD-Det, ResNet-50 FPN, 12 epochs on VOC 2007 trainval with 40% box noise;
# the authors' VOC schedule (SGD 0.002 for 4 images = 2 GPUs x 2, warm-up
# 500 iterations, steps at epochs 8 and 11, gradient clipping 10). Training
# ends by refining the training set (noisy_anns/
# voc07_trainval_noise40_refined.json), which
# faster-rcnn_r50_fpn_1x_voc07-noise40-refined.py trains on.
_base_ = [
    '../_base_/models/ssd-det_r50_fpn.py',
    '../_base_/datasets/noisy_voc07_refinement.py',
    'mmdet::_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]

model = dict(bbox_head=dict(num_classes=20))
train_cfg = dict(val_interval=12)
optim_wrapper = dict(
    optimizer=dict(lr=0.002), clip_grad=dict(max_norm=10, norm_type=2))
auto_scale_lr = dict(base_batch_size=4)

# SSD-Det, ResNet-50 FPN, 12 epochs on VOC 2007 trainval with 10% box noise.
# The authors' bag for 10-20% noise: scales 0.9-1.1, shifts of 0.1.
_base_ = './ssd-det_r50_fpn_1x_voc07-noise40.py'

model = dict(
    bbox_head=dict(scale_ratios=(1., 1.1, 0.9), shift_ratios=(0.1, )))
noisy_ann_file = 'noisy_anns/voc07_trainval_noise10.json'
train_dataloader = dict(dataset=dict(ann_file=noisy_ann_file))
val_dataloader = dict(dataset=dict(ann_file=noisy_ann_file))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file='data/VOCdevkit/' + noisy_ann_file,
    outfile='data/VOCdevkit/noisy_anns/voc07_trainval_noise10_refined.json')
test_evaluator = val_evaluator

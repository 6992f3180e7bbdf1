# SSD-Det, ResNet-50 FPN, 12 epochs on VOC 2007 trainval with 30% box noise.
# The 30% level uses the 40% level's bag (the authors' VOC configs).
_base_ = './ssd-det_r50_fpn_1x_voc07-noise40.py'

noisy_ann_file = 'noisy_anns/voc07_trainval_noise30.json'
train_dataloader = dict(dataset=dict(ann_file=noisy_ann_file))
val_dataloader = dict(dataset=dict(ann_file=noisy_ann_file))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file='data/VOCdevkit/' + noisy_ann_file,
    outfile='data/VOCdevkit/noisy_anns/voc07_trainval_noise30_refined.json')
test_evaluator = val_evaluator

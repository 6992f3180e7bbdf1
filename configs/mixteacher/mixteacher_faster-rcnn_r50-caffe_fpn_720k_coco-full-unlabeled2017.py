# MixTeacher with all of COCO train2017 labeled and unlabeled2017 unlabeled,
# as the authors: 8 images a GPU (4 labeled + 4 unlabeled), unsupervised
# weight 2.0, 720k iterations with steps at 480k and 640k.
_base_ = './mixteacher_faster-rcnn_r50-caffe_fpn_180k_semi-0.1-coco.py'

model = dict(semi_train_cfg=dict(unsup_weight=2.0))

labeled_dataset = _base_.labeled_dataset
unlabeled_dataset = _base_.unlabeled_dataset
labeled_dataset.ann_file = 'annotations/instances_train2017.json'
# Written by split_coco_semi.py --unlabeled-info image_info_unlabeled2017.json
unlabeled_dataset.ann_file = 'semi_anns/instances_unlabeled2017.json'
unlabeled_dataset.data_prefix = dict(img='unlabeled2017/')
train_dataloader = dict(
    batch_size=8,
    sampler=dict(batch_size=8, source_ratio=[1, 1]),
    dataset=dict(datasets=[labeled_dataset, unlabeled_dataset]))

max_iters = 720000
train_cfg = dict(max_iters=max_iters, val_interval=10000)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[480000, 640000],
        gamma=0.1)
]

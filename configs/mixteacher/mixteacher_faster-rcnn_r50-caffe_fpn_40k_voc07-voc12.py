# MixTeacher on PASCAL VOC: VOC07 trainval labeled, VOC12 trainval unlabeled,
# evaluated on VOC07 test with COCO-style AP50 and AP50:95 like the paper.
# As the authors (lliuz/MixTeacher@135f284, configs/soft_teacher_voc_msi/
# base.py and soft_teacher_voc_4x8_40k.py): 4 images a GPU x 8 GPUs (2
# labeled + 2 unlabeled), 40k iterations at a constant lr after mmdet's
# warm-up, unsupervised weight 2, and their VOC scales (base.py:24, 37, 88,
# 158): labeled and strong views resized to (1024, 1024) x [0.5, 1.5], the
# teacher's weak view to (1333, 500)-(1333, 800). The jsons come from mmdet's
# VOC converter (README.md).
_base_ = './mixteacher_faster-rcnn_r50-caffe_fpn_180k_semi-0.1-coco.py'

classes = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
           'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike',
           'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
metainfo = dict(classes=classes)
data_root = 'data/VOCdevkit/'

model = dict(
    detector=dict(roi_head=dict(bbox_head=dict(num_classes=20))),
    semi_train_cfg=dict(unsup_weight=2.0))

# mmdet's Soft Teacher pipelines (mmdet::_base_/datasets/
# semi_coco_detection.py) with the authors' VOC resizes.
color_space = _base_.color_space
geometric = _base_.geometric
branch_field = ['sup', 'unsup_teacher', 'unsup_student']
unsup_meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'flip', 'flip_direction',
                   'homography_matrix')
strong_resize = dict(
    type='RandomResize',
    scale=(1024, 1024),
    ratio_range=(0.5, 1.5),
    keep_ratio=True)
sup_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True), strong_resize,
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandAugment', aug_space=color_space, aug_num=1),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        sup=dict(type='PackDetInputs'))
]
weak_pipeline = [
    dict(
        type='RandomResize', scale=[(1333, 500), (1333, 800)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=unsup_meta_keys),
]
strong_pipeline = [
    strong_resize,
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomOrder',
        transforms=[
            dict(type='RandAugment', aug_space=color_space, aug_num=1),
            dict(type='RandAugment', aug_space=geometric, aug_num=1),
        ]),
    dict(type='RandomErasing', n_patches=(1, 5), ratio=(0, 0.2)),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs', meta_keys=unsup_meta_keys),
]
unsup_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadEmptyAnnotations'),
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        unsup_teacher=weak_pipeline,
        unsup_student=strong_pipeline)
]

labeled_dataset = _base_.labeled_dataset
unlabeled_dataset = _base_.unlabeled_dataset
labeled_dataset.update(
    pipeline=sup_pipeline,
    data_root=data_root,
    metainfo=metainfo,
    ann_file='annotations_json/voc07_trainval.json',
    data_prefix=dict(img=''))
unlabeled_dataset.update(
    pipeline=unsup_pipeline,
    data_root=data_root,
    metainfo=metainfo,
    ann_file='annotations_json/voc12_trainval.json',
    data_prefix=dict(img=''))
train_dataloader = dict(
    batch_size=4,
    sampler=dict(batch_size=4, source_ratio=[1, 1]),
    dataset=dict(datasets=[labeled_dataset, unlabeled_dataset]))

val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations_json/voc07_test.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations_json/voc07_test.json')
test_evaluator = val_evaluator

max_iters = 40000
train_cfg = dict(max_iters=max_iters, val_interval=4000)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500)
]

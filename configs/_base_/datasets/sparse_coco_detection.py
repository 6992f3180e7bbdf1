# COCO train2017 with sparse annotations (tools/dataset_converters/
# make_sparse_coco.py writes sparse_anns/instances_train2017_{setting}.json)
# for teacher-student training: every image comes as a weak 'teacher' view and
# a strong 'student' view, as in Calibrated Teacher's configs (random resize
# 400-1200 short side and flip for both, plus one colour operation for the
# student). Validation and test use the full val2017 annotations. Configs
# pick the setting with train_dataloader.dataset.ann_file.
_base_ = ['mmdet::_base_/datasets/coco_detection.py', './semi_augment.py']

branch_field = ['teacher', 'student']
train_scales = [(1333, 400), (1333, 1200)]
weak_pipeline = [
    dict(type='RandomResize', scale=train_scales, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=_base_.semi_meta_keys),
]
strong_pipeline = [
    dict(type='RandomResize', scale=train_scales, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandAugment', aug_space=_base_.color_space, aug_num=1),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs', meta_keys=_base_.semi_meta_keys),
]
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        teacher=weak_pipeline,
        student=strong_pipeline)
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        ann_file='sparse_anns/instances_train2017_easy.json',
        pipeline=train_pipeline))

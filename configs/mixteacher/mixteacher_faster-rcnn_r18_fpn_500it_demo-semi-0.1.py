# MixTeacher on mmext's demo set: 10% labeled (32 images), the other 288 train
# images unlabeled. Same detector, labeled batch, iterations and optimiser as
# faster-rcnn_r18_fpn_sup-only_500it_demo-semi-0.1.py, so the two mAPs compare.
# Mining off, as in the authors' released configs (the _mining_ config turns
# it on).
_base_ = [
    './faster-rcnn_r18_fpn_sup-only_500it_demo-semi-0.1.py',
    '../_base_/datasets/semi_augment.py'
]

detector = _base_.model
detector.type = 'mmext.MixedScaleFasterRCNN'
model = dict(
    _delete_=True,
    type='mmext.MixTeacher',
    detector=detector,
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor',
        data_preprocessor=detector.data_preprocessor),
    semi_train_cfg=dict(
        freeze_teacher=True,
        sup_weight=1.0,
        unsup_weight=4.0,
        pseudo_label_initial_score_thr=0.5,
        rpn_pseudo_thr=0.9,
        cls_pseudo_thr=0.9,
        reg_pseudo_thr=0.02,
        jitter_times=10,
        jitter_scale=0.06,
        min_pseudo_bbox_wh=(1e-2, 1e-2),
        # A short schedule: the teacher first learns from the labels alone.
        unsup_start_iter=200,
        unsup_warmup_iters=50),
    semi_test_cfg=dict(predict_on='teacher'))

branch_field = ['sup', 'unsup_teacher', 'unsup_student']
scale = (256, 256)
sup_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        sup=dict(type='PackDetInputs'))
]
weak_pipeline = [
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=_base_.semi_meta_keys),
]
strong_pipeline = [
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomOrder',
        transforms=[
            dict(type='RandAugment', aug_space=_base_.color_space, aug_num=1),
            dict(type='RandAugment', aug_space=_base_.geometric, aug_num=1),
        ]),
    dict(type='RandomErasing', n_patches=(1, 5), ratio=(0, 0.2)),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs', meta_keys=_base_.semi_meta_keys),
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

data_root = _base_.data_root
labeled_dataset = dict(
    type=_base_.dataset_type,
    data_root=data_root,
    ann_file=_base_.semi_ann_file,
    data_prefix=dict(img='train/'),
    filter_cfg=dict(filter_empty_gt=False),
    pipeline=sup_pipeline)
unlabeled_dataset = dict(
    type=_base_.dataset_type,
    data_root=data_root,
    ann_file='semi_anns/instances_train.1@10-unlabeled.json',
    data_prefix=dict(img='train/'),
    filter_cfg=dict(filter_empty_gt=False),
    pipeline=unsup_pipeline)
# 2 labeled + 4 unlabeled images a batch (the paper's 1:4 ratio, with the
# baseline's labeled batch); a fixed sampler seed makes --resume continue the
# data stream where it stopped.
train_dataloader = dict(
    _delete_=True,
    batch_size=6,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(
        type='mmext.ResumableGroupMultiSourceSampler',
        batch_size=6,
        source_ratio=[2, 4],
        seed=0),
    dataset=dict(
        type='ConcatDataset', datasets=[labeled_dataset, unlabeled_dataset]))

val_cfg = dict(_delete_=True, type='TeacherStudentValLoop')
# The paper's EMA momentum is 0.999 over 180k iterations; 0.99 lets the
# teacher follow the student within this short schedule.
custom_hooks = _base_.custom_hooks + [
    dict(type='MeanTeacherHook', momentum=0.01)
]

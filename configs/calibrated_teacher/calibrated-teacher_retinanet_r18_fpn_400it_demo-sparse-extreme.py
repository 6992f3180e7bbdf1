# Calibrated Teacher + Focal IoU weight on mmext's demo set with the
# "extreme" sparse annotations: the baseline's RetinaNet R-18 FPN as teacher
# and student, same images a batch, iterations and optimiser, evaluated on the
# fully annotated val set (teacher and student).
_base_ = [
    './retinanet_r18_fpn_400it_demo-sparse-extreme.py',
    '../_base_/datasets/semi_augment.py'
]

detector = _base_.model
detector.bbox_head.type = 'mmext.FIoURetinaHead'
detector.bbox_head.focal_iou_weight = dict(type='mmext.FocalIoUWeight')
model = dict(
    _delete_=True,
    type='mmext.CalibratedTeacher',
    detector=detector,
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor',
        data_preprocessor=detector.data_preprocessor),
    # The authors' thresholds (CalibratedTeacher's defaults) but the size:
    # 10 px on 800 px COCO images is about 3 px on the demo's 256 px.
    semi_train_cfg=dict(min_pseudo_bbox_size=3.),
    semi_test_cfg=dict(predict_on='teacher'))

scale = (256, 256)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='MultiBranch',
        branch_field=['teacher', 'student'],
        teacher=[
            dict(type='Resize', scale=scale, keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackDetInputs', meta_keys=_base_.semi_meta_keys),
        ],
        student=[
            dict(type='Resize', scale=scale, keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
            dict(type='RandAugment', aug_space=_base_.color_space, aug_num=1),
            dict(type='PackDetInputs', meta_keys=_base_.semi_meta_keys),
        ])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

val_cfg = dict(_delete_=True, type='TeacherStudentValLoop')
# The paper's EMA momentum is 0.999 over 180k iterations; 0.99 lets the
# teacher follow the student within this short schedule.
# The paper refits the calibrator every 500 of 180k iterations; this schedule
# has 400, so every 50.
custom_hooks = _base_.custom_hooks + [
    dict(type='MeanTeacherHook', momentum=0.01),
    dict(type='mmext.CalibratorRefitHook', interval=50)
]

# A fixed seed: --resume reads the images the uninterrupted run would have.
randomness = dict(seed=0)

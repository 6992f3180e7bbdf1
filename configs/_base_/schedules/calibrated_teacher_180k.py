# Calibrated Teacher's COCO schedule, as the authors' configs
# (Whileherham/CalibratedTeacher@0a27de8, configs/WHH_cali_retina/): 180k
# iterations at 16 images a batch (8 GPUs x 2), SGD lr 0.01 (bias lr x2, no
# bias decay) divided by 10 at 120k and 160k, EMA teacher momentum 0.999,
# teacher and student evaluated every 9k iterations, checkpoints every 4k
# (base.py:187-193; they keep 20, mmext the last 2; fp16 there, `--amp`
# here), the calibrator refitted every 500 (CalibratorRefitHook). The
# authors' thresholds are CalibratedTeacher's defaults (its semi_train_cfg).
# The Focal IoU weight is on from iteration 152k: the authors train without
# it to 152k and resume with it (README.md:14-20, cali_04_07.py:55 and
# configs/WHH_cali_retina_focaliou/cali_04_07_focaldefault.py:87-88).
_base_ = '../default_runtime.py'

focal_iou_weight = dict(
    type='mmext.FocalIoUWeight',
    alpha=0.25,
    gamma=2.,
    bias=0.5,
    k=3.,
    max_iou=1.,
    detach_iou=False,
    start_iter=152000)

max_iters = 180000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=9000)
val_cfg = dict(type='TeacherStudentValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[120000, 160000],
        gamma=0.1)
]
optim_wrapper = dict(
    type='OptimWrapper',
    # the parameter groups in a few log lines, not one per parameter
    constructor='mmext.SummarizedOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    paramwise_cfg=dict(bias_lr_mult=2., bias_decay_mult=0.))
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=4000, max_keep_ckpts=2),
    logger=dict(interval=50))
log_processor = dict(by_epoch=False)
custom_hooks = _base_.custom_hooks + [
    dict(type='MeanTeacherHook', momentum=0.001),
    dict(type='mmext.CalibratorRefitHook', interval=500)
]
auto_scale_lr = dict(enable=False, base_batch_size=16)

# A fixed seed: the sampler's image order and every augmentation are then a
# function of the seed, so --resume reads the images the uninterrupted run
# would have read (mmext's runner also restores the random states).
randomness = dict(seed=0)

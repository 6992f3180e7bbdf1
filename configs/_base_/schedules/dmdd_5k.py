# The runtime's hooks change with the schedule (iteration-based), so this
# base carries the runtime too.
_base_ = '../default_runtime.py'

# DeSTSeg's schedule, which DMDD trains with: 5000 iterations of batch 32,
# the first 1000 (model.distill_iters) train the student, the rest the
# segmentation head; SGD, momentum 0.9, weight decay 1e-4, constant learning
# rates 0.4 (student), 0.1 (segmentation layers), 0.01 (ASPP head).
train_cfg = dict(type='IterBasedTrainLoop', max_iters=5000, val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    # the parameter groups in a few log lines, not one per parameter
    constructor='mmext.SummarizedOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.4, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(
        custom_keys={
            'seg_head': dict(lr_mult=0.25),
            'seg_head.decode': dict(lr_mult=0.025)
        }))
param_scheduler = []
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='mmext.SafeCheckpointHook', interval=1000, by_epoch=False,
        max_keep_ckpts=1),
    visualization=dict(_delete_=True, type='mmext.AnomalyVisualizationHook'))
log_processor = dict(by_epoch=False)
# After the switch to the segmentation stage, log only its losses.
custom_hooks = _base_.custom_hooks + [
    dict(type='mmext.PruneStaleLossLogsHook')
]
# Anomaly panels (image | heat map | overlay) for the visualization hook and
# AnomalyInferencer.
visualizer = dict(
    _delete_=True,
    type='mmext.AnomalyLocalVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')

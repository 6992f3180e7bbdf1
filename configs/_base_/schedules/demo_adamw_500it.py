# The iteration-based demo schedule: AdamW with a linear warm-up and a cosine
# decay to 5% over max_iters, gradient clipping, one validation at the end, a
# checkpoint every 200 iterations. A config with another length sets
# max_iters and restates train_cfg and param_scheduler (mmengine does not
# re-evaluate a base's expressions). The runtime's hooks change with the
# schedule, so this base carries the runtime too.
_base_ = '../default_runtime.py'

max_iters = 500
warmup_iters = 50
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        eta_min_ratio=0.05)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='mmext.SafeCheckpointHook', by_epoch=False, interval=200,
        max_keep_ckpts=1))
log_processor = dict(by_epoch=False, window_size=20)

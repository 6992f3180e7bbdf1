# mmext's guarantees, declared so that every printed config shows them and
# any runner or tool that reads the config keeps them: a NaN or infinite loss
# or weight stops training before anything is logged, averaged or saved, and
# BN statistics are averaged over processes before each validation. The
# runner adds what a hook cannot: per-sample data seeds and the dataloader's
# own generator (exact resume), --resume from the newest complete checkpoint,
# and CPU multi-process (gloo, DDP without device_ids).
#
# A base of mmext's runtime and, beside mmdet's configs, of the configs built
# on them (mmdet's runtime has none of these keys). Such a config also sets
#     default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))
# (checkpoints that a crash cannot corrupt and that resume exactly), which
# cannot live here: mmdet's runtime has default_hooks too.
runner_type = 'mmext.MMExtRunner'
custom_hooks = [
    dict(type='mmext.NonFiniteCheckHook'),
    dict(type='mmext.SyncSharedBuffersHook')
]

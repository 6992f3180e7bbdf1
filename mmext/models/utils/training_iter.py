from mmengine.logging import MessageHub


def training_iter() -> int:
    """The runner's current training iteration, from its message hub (0
    outside a run): what schedules inside models read, so that they resume
    with the run."""
    return MessageHub.get_current_instance().get_info('iter', 0)

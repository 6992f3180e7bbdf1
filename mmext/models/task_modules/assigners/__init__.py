from .task_aligned_assigner import TaskAlignedAssigner

__all__ = ['TaskAlignedAssigner']

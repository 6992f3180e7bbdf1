"""Progress for the tools: mmengine's bar on a terminal, a few lines when the
output goes to a file or a pipe (the bar writes a line per update there)."""
import sys
from typing import Optional, TextIO, Union

from mmengine.utils import ProgressBar


class ProgressLines:
    """``update()`` like mmengine's ``ProgressBar``, printing one line at
    each quarter of ``total`` instead of redrawing a bar."""

    def __init__(self, total: int, file: Optional[TextIO] = None) -> None:
        self.total, self.done, self.file = total, 0, file or sys.stdout
        self.next_line = 1

    def update(self, num_tasks: int = 1) -> None:
        self.done += num_tasks
        if not self.total or self.done * 4 < self.next_line * self.total:
            return
        print(f'{self.done}/{self.total} done', file=self.file, flush=True)
        while self.done * 4 >= self.next_line * self.total:
            self.next_line += 1


def progress_bar(
        total: int,
        file: Optional[TextIO] = None) -> Union[ProgressBar, ProgressLines]:
    """A progress bar on a terminal, else ``ProgressLines``."""
    file = file or sys.stdout
    if file.isatty():
        return ProgressBar(total, file=file)
    return ProgressLines(total, file)

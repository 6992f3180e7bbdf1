"""Progress to a file or pipe is a few lines, not a line per update; on a
terminal it is mmengine's bar."""
import io

from mmengine.utils import ProgressBar

from mmext.utils.progress import ProgressLines, progress_bar


class Terminal(io.StringIO):

    def isatty(self):
        return True


def test_a_file_gets_a_line_per_quarter():
    out = io.StringIO()
    bar = progress_bar(320, out)
    assert isinstance(bar, ProgressLines)
    for _ in range(320):
        bar.update()
    assert out.getvalue().splitlines() == [
        '80/320 done', '160/320 done', '240/320 done', '320/320 done'
    ]


def test_small_totals_and_a_terminal():
    out = io.StringIO()
    bar = progress_bar(2, out)
    bar.update()
    bar.update()
    assert out.getvalue().splitlines() == ['1/2 done', '2/2 done']
    assert isinstance(progress_bar(5, Terminal()), ProgressBar)

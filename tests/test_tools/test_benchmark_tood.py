from mmext.testing import run_tool


def test_benchmark_prints_mmdet_and_mmext_rows():
    proc = run_tool('tools/analysis_tools/benchmark_tood.py', '--image',
                    '128x160', '--num-gts', '3', '20', '--repeat', '1')
    header = next(line for line in proc.stdout.splitlines()
                  if line.startswith('| GTs'))
    assert 'head forward (ms): mmdet' in header
    assert 'train step (ms): mmdet' in header
    rows = [
        line.split('|')[1:-1] for line in proc.stdout.splitlines()
        if line.startswith('| ') and line[2].isdigit()
    ]
    assert [int(r[0]) for r in rows] == [3, 20]
    for row in rows:
        assert len(row) == 1 + 4 * 3  # GTs, then mmdet | mmext | ratio x4
        values = [float(v) for v in row[1:]]
        assert all(v >= 0 for v in values)
        assert values[0] > 0 and values[1] > 0  # head forward times

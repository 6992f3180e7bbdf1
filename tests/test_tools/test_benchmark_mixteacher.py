from mmext.testing import run_tool


def test_benchmark_prints_softteacher_and_mixteacher_columns():
    proc = run_tool('tools/analysis_tools/benchmark_mixteacher.py', '--image',
                    '96x128', '--repeat', '1', '--unlabeled', '2',
                    '--pseudo-labels', '5')
    assert '2 unlabeled images, 5 pseudo labels an image' in proc.stdout
    rows = [
        line.split('|')[1:-1] for line in proc.stdout.splitlines()
        if line.startswith('| 96x128')
    ]
    assert len(rows) == 1
    values = [float(v) for v in rows[0][1:]]
    assert len(values) == 6
    assert all(v > 0 for v in values)
    # The ratio columns are mmext / mmdet, of values printed rounded to
    # integers (ratios to 2 decimals).
    for ref, ours, ratio in (values[0:3], values[3:6]):
        assert (ours - .5) / (ref + .5) - .005 <= ratio
        assert ratio <= (ours + .5) / max(ref - .5, 1e-9) + .005

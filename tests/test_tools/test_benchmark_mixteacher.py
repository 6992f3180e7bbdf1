from conftest import run_tool


def test_benchmark_prints_softteacher_and_mixteacher_columns():
    proc = run_tool('tools/analysis_tools/benchmark_mixteacher.py', '--image',
                    '96x128', '--repeat', '1', '--unlabeled', '2',
                    '--pseudo-labels', '5')
    assert '2 unlabeled images, 5 pseudo labels an image' in proc.stdout
    rows = [line.split('|')[1:-1] for line in proc.stdout.splitlines()
            if line.startswith('| 96x128')]
    assert len(rows) == 1
    values = [float(v) for v in rows[0][1:]]
    assert len(values) == 6
    assert all(v > 0 for v in values)
    # The ratio columns are mmext / mmdet.
    assert abs(values[2] - values[1] / values[0]) < 0.01
    assert abs(values[5] - values[4] / values[3]) < 0.01

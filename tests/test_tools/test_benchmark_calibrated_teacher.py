from mmext.testing import run_tool


def test_benchmark_prints_retinanet_and_calibrated_teacher_columns():
    proc = run_tool('tools/analysis_tools/benchmark_calibrated_teacher.py',
                    '--image', '96x128', '--gts', '3', '--repeat', '1',
                    '--pseudo-labels', '5')
    assert '2 images, 5 pseudo labels an image' in proc.stdout
    rows = [
        line.split('|')[1:-1] for line in proc.stdout.splitlines()
        if line.startswith('| 96x128')
    ]
    assert len(rows) == 1
    assert rows[0][1].strip() == '3'
    values = [float(v) for v in rows[0][2:]]
    assert len(values) == 9
    assert all(v > 0 for v in values)
    # Ratio columns are mmext / mmdet of values printed rounded to integers
    # (ratios to 2 decimals).
    for ref, ours, ratio in (values[0:3], values[3:6], values[6:9]):
        assert (ours - .5) / (ref + .5) - .005 <= ratio
        assert ratio <= (ours + .5) / max(ref - .5, 1e-9) + .005

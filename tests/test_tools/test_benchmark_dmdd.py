import re

from mmext.testing import run_tool


def test_benchmark_prints_deeplab_and_dmdd_rows_and_metric_time():
    proc = run_tool('tools/analysis_tools/benchmark_dmdd.py', '--image',
                    '64x64', '--batch', '2', '--repeat', '1',
                    '--metric-images', '4', '--metric-size', '96x128')
    assert 'DeepLabV3' in proc.stdout and '2 images' in proc.stdout
    rows = [
        line.split('|')[1:-1] for line in proc.stdout.splitlines()
        if line.startswith('| 64x64')
    ]
    assert [r[1].strip() for r in rows] == ['distill', 'segment', 'predict']
    for row in rows:
        ref, ours, ratio = (float(v) for v in row[2:5])
        assert ref > 0 and ours > 0
        # The ratio is mmext / mmseg of the values printed rounded.
        assert (ours - .5) / (ref + .5) - .005 <= ratio
        assert ratio <= (ours + .5) / max(ref - .5, 1e-9) + .005
    match = re.search(r'4 maps of 96x128 \(0.0 M pixels\): ([0-9.]+) s',
                      proc.stdout)
    assert match and float(match.group(1)) >= 0

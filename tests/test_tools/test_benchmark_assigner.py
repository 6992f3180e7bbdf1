from conftest import run_tool


def test_benchmark_prints_mmdet_and_mmext_rows():
    proc = run_tool('tools/analysis_tools/benchmark_assigner.py', '--image',
                    '128x160', '--num-gts', '3', '20', '--repeat', '1')
    rows = [line.split('|')[1:-1] for line in proc.stdout.splitlines()
            if line.startswith('| ') and line[2].isdigit()]
    assert [int(r[0]) for r in rows] == [3, 20]
    for row in rows:
        times_and_peaks = [float(v) for v in row[1:]]
        assert all(v >= 0 for v in times_and_peaks)
        assert times_and_peaks[0] > 0 and times_and_peaks[1] > 0

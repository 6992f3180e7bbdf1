from mmext.testing import run_tool


def table_rows(stdout: str) -> list:
    return [
        [cell.strip() for cell in line.split('|')[1:-1]]
        for line in stdout.splitlines()
        if line.startswith('| ') and not line.startswith(('| module', '| ---'))
    ]


def test_benchmark_prints_a_row_per_module_with_ratios():
    proc = run_tool('tools/analysis_tools/benchmark_modules.py', '--rows',
                    'shift', 'dcn', 'tal-10', '--repeat', '1')
    assert 'mmext modules against their baselines' in proc.stdout
    rows = table_rows(proc.stdout)
    assert [r[2]
            for r in rows] == ['PyTorch (roll + cat)', 'mmcv DCNv2', 'mmdet']
    for row in rows:
        assert len(row) == 9
        ours, ref = (float(v) for v in row[3].split(' / '))
        assert ours > 0 and ref > 0
        # the ratio of the unrounded times, within the one-decimal rounding
        low = (ours - 0.05) / (ref + 0.05)
        high = (ours + 0.05) / max(ref - 0.05, 1e-6)
        assert low - 0.01 <= float(row[4]) <= high + 0.01
    # the assigner has no backward pass
    assert rows[2][5] == '- / -' and rows[2][6] == '-'
    # the differentiable ones report fwd+bwd times
    assert all(float(v) > 0 for v in rows[1][5].split(' / '))

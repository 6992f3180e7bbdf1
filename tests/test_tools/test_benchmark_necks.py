from mmext.testing import run_tool


def test_benchmark_prints_a_table_with_ratios_to_fpn():
    proc = run_tool('tools/analysis_tools/benchmark_necks.py', '--sizes',
                    '64x96', '--batch', '2', '--repeat', '1', '--necks', 'FPN',
                    'RCNet', 'RCNet w/o CSN')
    lines = [line for line in proc.stdout.splitlines() if line.startswith('|')]
    assert lines[0].startswith('| neck | params (M) | FLOPs (G)')
    rows = {
        line.split('|')[1].strip(): line.split('|')[2:-1]
        for line in lines[2:]
    }
    assert set(rows) == {'FPN', 'RCNet', 'RCNet w/o CSN'}
    assert float(rows['FPN'][3]) == 1.0 and float(rows['FPN'][5]) == 1.0
    assert float(rows['RCNet'][0]) == 7.67  # params (M)
    assert float(rows['RCNet w/o CSN'][0]) < float(rows['RCNet'][0])


def test_sizes_batchnorm_cannot_train_on_are_refused_up_front():
    proc = run_tool(
        'tools/analysis_tools/benchmark_necks.py',
        '--sizes',
        '256x256',
        '128x128',
        '--necks',
        'FPN',
        check=False)
    assert proc.returncode != 0
    assert 'size 128x128 at --batch 1' in proc.stderr
    assert '###' not in proc.stdout  # refused before measuring anything

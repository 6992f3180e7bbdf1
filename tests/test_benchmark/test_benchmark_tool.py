import importlib.util
import os.path as osp

import pytest

import mmext.benchmark.cases  # noqa: F401
from mmext.benchmark.harness import BENCHMARK_CASES, select_cases
from mmext.testing import REPO_ROOT, run_tool

pytestmark = pytest.mark.slow

TOOL = 'tools/analysis_tools/benchmark.py'
# Every registered case runs in one of these groups, at a small size (the
# stride-128 neck level needs more than one value for BatchNorm).
GROUPS = {
    'necks and ops': ['neck-*', 'csn', 'op-cross-scale-shift', 'op-dcnv2*'],
    'tood and sparse':
    ['tal*', 'tood-head', 'fiou-head', 'calibrated-teacher'],
    'mixteacher and ssd-det': ['mixteacher', 'ssd-det'],
    'roi align': ['*roi-align*'],
    'dmdd': ['wide-resnet', 'seg-head', 'dmdd', 'anomaly-metric'],
    'detectors': ['fps-*'],
    'deployment': ['onnx-*'],
}


def table(stdout: str) -> list:
    header = '| case | image | GTs | step |'
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    return [[cell.strip() for cell in line.split('|')[1:-1]]
            for line in lines[start + 2:] if line.startswith('| ')]


def values(cell: str) -> list:
    return [None if v == '-' else float(v) for v in cell.split(' / ')]


def assert_ratio(pair: str, ratio: str) -> None:
    """The ratio is ``mmext / baseline`` of the unrounded values, printed
    to one decimal (two for the ratio)."""
    ours, ref = values(pair)
    if ref is None or ratio == '-':
        return
    low = (ours - .05) / (ref + .05)
    high = (ours + .05) / max(ref - .05, 1e-6)
    assert low - .01 <= float(ratio) <= high + .01, (pair, ratio)


def test_the_groups_cover_every_case():
    covered = {
        name
        for patterns in GROUPS.values()
        for name in select_cases(patterns)
    }
    assert covered == set(BENCHMARK_CASES)


@pytest.mark.parametrize('group', list(GROUPS))
def test_every_case_prints_its_steps_with_ratios(group):
    names = select_cases(GROUPS[group])
    proc = run_tool(TOOL, '--cases', *GROUPS[group], '--sizes', '128x256',
                    '--repeat', '1')
    rows = table(proc.stdout)
    assert [r[0] for r in rows if r[0] in names]  # rows in case order
    assert sorted({r[0] for r in rows}) == sorted(names)
    for name, size, gts, step, ours, ref, time, time_x, peak, peak_x, \
            params in rows:
        case = BENCHMARK_CASES[name]
        assert size == '128x256'
        assert gts == (str(case.gts) if case.gts else '-')
        assert ours == case.mmext.name
        assert ref == (case.baseline.name if case.baseline else '-')
        mmext_time, base_time = values(time)
        assert mmext_time > 0
        assert (base_time is None) == (case.baseline is None)
        assert_ratio(time, time_x)
        assert_ratio(peak, peak_x)
        assert all(v is None or v >= 0 for v in values(peak))
    steps = {(r[0], r[3]) for r in rows}
    if group == 'necks and ops':
        assert {step for name, step in steps} == {'forward', 'train'}
        params = {r[0]: values(r[10]) for r in rows if r[3] == 'forward'}
        assert params['neck-rcnet'] == [7.67, 8.0]  # the authors' neck
        assert params['neck-rcnet-no-csn'][0] < 7.67
        assert params['op-cross-scale-shift'] == [None]  # an op
    if group == 'dmdd':
        assert {s
                for n, s in steps
                if n == 'dmdd'} == {'distill', 'segment', 'predict'}
        # DeepLabV3's training step stands against both of DMDD's stages
        dmdd = {r[3]: values(r[6])[1] for r in rows if r[0] == 'dmdd'}
        assert dmdd['distill'] == dmdd['segment']
    if group == 'detectors':
        assert {step for name, step in steps} == {'network', 'predict'}
        params = {r[0]: values(r[10]) for r in rows}
        # RCNet's neck against FPN's; one Faster R-CNN, two RoIAligns
        assert params['fps-retinanet-rcnet'] == [37.64, 37.97]
        assert params['fps-faster-rcnn'][0] == params['fps-faster-rcnn'][1]
    if group == 'deployment':
        # the networks alone; a two-stage detector's whole prediction
        assert {
            step
            for name, step in steps
            if 'rcnn' not in name and 'mixteacher' not in name
        } == {'network'}
        assert {
            step
            for name, step in steps if 'rcnn' in name or 'mixteacher' in name
        } == {'predict'}
    if group == 'mixteacher and ssd-det':
        assert steps == {('mixteacher', 'train'), ('ssd-det', 'train'),
                         ('ssd-det', 'predict')}


def test_a_row_per_size_and_number_of_boxes():
    proc = run_tool(TOOL, '--cases', 'tal', '--sizes', '64x64', '96x128',
                    '--gts', '3', '7', '--repeat', '1')
    rows = table(proc.stdout)
    assert [(r[1], r[2]) for r in rows] == [('64x64', '3'), ('64x64', '7'),
                                            ('96x128', '3'), ('96x128', '7')]
    assert all(r[3] == 'assign' for r in rows)
    assert 'measuring tal (mmext) at 96x128 with 7 GTs' in proc.stderr


def test_profiles_of_each_side_and_step_follow_the_table():
    proc = run_tool(TOOL, '--cases', 'op-cross-scale-shift', '--sizes',
                    '32x32', '--repeat', '1', '--profile')
    assert len(table(proc.stdout)) == 2  # forward, train
    profiles = proc.stdout.split('```text\n')[1:]
    heads = [p.splitlines()[0] for p in profiles]
    assert heads == [
        f'profile: op-cross-scale-shift, {side}, 32x32, {step}'
        for side in ('mmext._ext (mmext)', 'PyTorch (roll + cat) (baseline)')
        for step in ('forward', 'train')
    ]
    # the operators each side runs: the compiled shift, PyTorch's rolls
    assert 'CrossScaleShiftFunction' in profiles[0]
    assert 'CrossScaleShiftFunctionBackward' in profiles[1]
    assert 'aten::roll' in profiles[2] and 'CrossScale' not in profiles[2]
    assert all('Self CPU time total' in p for p in profiles)


@pytest.mark.parametrize(
    'args, message',
    [(('--cases', 'neck-rcnet', '--sizes', '256x256', '128x128'),
      'neck-rcnet: size 128x128 gives the stride-128 level a 1x1 map'),
     (('--cases', 'nothing-*'), "no benchmark case matches 'nothing-*'"),
     (('--sizes', '512'), "image size '512' is not HxW"),
     (('--cases', 'tal', '--sizes', '0x0'),
      "image size '0x0': height and width must be at least 1 px")])
def test_bad_requests_are_refused_before_measuring(args, message):
    proc = run_tool(TOOL, *args, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert '| case |' not in proc.stdout  # nothing measured


def test_list_names_every_case():
    proc = run_tool(TOOL, '--list')
    assert [line.split(':')[0]
            for line in proc.stdout.splitlines()] == list(BENCHMARK_CASES)


@pytest.mark.parametrize('env, threads', [(None, 2), ('1', 1), ('3', 3),
                                          ('', 2), ('x', 2)])
def test_threads_follow_omp_num_threads(env, threads, monkeypatch):
    spec = importlib.util.spec_from_file_location('benchmark_tool',
                                                  osp.join(REPO_ROOT, TOOL))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    if env is None:
        monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    else:
        monkeypatch.setenv('OMP_NUM_THREADS', env)
    assert tool.default_threads() == threads

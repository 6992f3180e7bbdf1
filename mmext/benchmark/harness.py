"""The benchmark harness: cases of an mmext module, op or training step next
to its mmdet / mmseg / mmcv (or pure-PyTorch) baseline, measured each side in
a fresh process and printed as one markdown table.

A :class:`Case` names two :class:`Side` s. A side's ``build(device)`` builds
the model once and returns it (for its parameter count; ``None`` for an op)
with ``steps_for(size, gts)``, which makes the inputs of an image of
``size`` (H, W) with ``gts`` boxes and returns the steps to measure by name
(``forward``, ``train``, ``predict``, ...). Both sides of a case return the
same step names; one callable may serve under several names (it is measured
once). ``tools/analysis_tools/benchmark.py`` runs the cases registered in
``mmext.benchmark.cases``.
"""
import fnmatch
import json
import sys
from typing import (Callable, Dict, Iterable, List, NamedTuple, Optional,
                    Sequence, Tuple)

import torch

from .timing import profile_table, run_benchmark_worker, step_cost, time_ms

Size = Tuple[int, int]
Step = Callable[[], None]
StepsFor = Callable[[Size, Optional[int]], Dict[str, Step]]


class Side(NamedTuple):
    """One side of a case: its label in the table and its builder."""
    name: str
    build: Callable[[str], Tuple[Optional[torch.nn.Module], StepsFor]]


class Case(NamedTuple):
    """What is compared (``what``), at which image size and number of GT
    boxes by default (``gts=None``: the case takes no boxes). ``warmup`` is
    the image size of the warm-up call, small so that the measured call's
    peak memory is not hidden by memory the warm-up left in the process;
    ``check(size)`` refuses sizes the case cannot run, before anything is
    measured. ``baseline=None``: the case is timed alone."""
    what: str
    mmext: Side
    baseline: Optional[Side]
    size: Size = (512, 512)
    gts: Optional[int] = None
    warmup: Size = (64, 64)
    check: Optional[Callable[[Size], None]] = None


BENCHMARK_CASES: Dict[str, Case] = {}


def register_case(name: str, case: Case) -> None:
    """Add ``case`` to :data:`BENCHMARK_CASES` under a new ``name``."""
    if name in BENCHMARK_CASES:
        raise KeyError(f'benchmark case {name!r} is already registered')
    BENCHMARK_CASES[name] = case


def register_cases(cases: Dict[str, Case]) -> None:
    """:func:`register_case` for each ``name: case`` of ``cases``, in
    order."""
    for name, case in cases.items():
        register_case(name, case)


def select_cases(patterns: Iterable[str]) -> List[str]:
    """Registered case names matching any of the shell-style ``patterns``,
    in registration order; a pattern matching none raises, listing the
    cases."""
    names = list(BENCHMARK_CASES)
    chosen = set()
    for pattern in patterns:
        matched = fnmatch.filter(names, pattern)
        if not matched:
            raise ValueError(f'no benchmark case matches {pattern!r}; cases: '
                             f'{", ".join(names)}')
        chosen.update(matched)
    return [name for name in names if name in chosen]


def parse_size(text: str) -> Size:
    """``'HxW'`` -> ``(H, W)``, with a clear error for anything else."""
    try:
        h, w = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise ValueError(f'image size {text!r} is not HxW (e.g. 512x512)')
    if h < 1 or w < 1:
        raise ValueError(f'image size {text!r}: height and width must be '
                         'at least 1 px')
    return h, w


def measure_side(side: Side,
                 case: Case,
                 size: Size,
                 gts: Optional[int],
                 device: str,
                 repeat: int,
                 profile: bool = False) -> dict:
    """What a worker process reports for one side: per step ``time`` (ms,
    median of ``repeat`` calls) and ``peak`` (MiB, the first call at
    ``size``, after a warm-up at ``case.warmup`` or ``size`` if smaller),
    and the model's parameters in millions (``None`` for an op). With
    ``profile``, each step also has ``profile``: the profiler's table of
    ``repeat`` more calls (:func:`~.timing.profile_table`)."""
    module, steps_for = side.build(device)
    warmup = (min(case.warmup[0], size[0]), min(case.warmup[1], size[1]))
    for step in steps_for(warmup, gts and min(gts, 2)).values():
        time_ms(step, device)  # load code paths, JIT caches, thread pools
    steps = steps_for(size, gts)
    measured: Dict[int, dict] = {}
    results = {}
    for name, step in steps.items():
        if id(step) not in measured:
            measured[id(step)] = step_cost(step, repeat, device)
            if profile:
                measured[id(step)]['profile'] = profile_table(
                    step, repeat, device)
        results[name] = measured[id(step)]
    params = None if module is None else sum(
        p.numel() for p in module.parameters()) / 1e6
    return dict(steps=results, params=params)


def run_case_side(tool: str, name: str, side: str, size: Size,
                  gts: Optional[int], args: Sequence[str]) -> dict:
    """Measure one side of case ``name`` in a fresh process running
    ``tool --worker``; ``args`` are the tool's options passed on."""
    cmd = [
        sys.executable, tool, '--worker', name, side, '--sizes',
        f'{size[0]}x{size[1]}', *(['--gts', str(gts)] if gts else []), *args
    ]
    what = f'{name} ({side}) at {size[0]}x{size[1]}' + (f' with {gts} GTs'
                                                        if gts else '')
    return run_benchmark_worker(cmd, what)


def _ratio(ours: Optional[float], ref: Optional[float]) -> str:
    if ours is None or ref is None:
        return '-'
    return f'{ours / max(ref, 1e-6):.2f}'


def _pair(ours: Optional[float], ref: Optional[float], digits: int = 1) -> str:
    fmt = lambda v: '-' if v is None else f'{v:.{digits}f}'  # noqa: E731
    return f'{fmt(ours)} / {fmt(ref)}'


TABLE_HEADER = ('| case | image | GTs | step | mmext | baseline | time (ms) '
                '| x | peak (MiB) | x | params (M) |\n' + '| --- ' * 11 + '|')


def table_rows(name: str, case: Case, size: Size, gts: Optional[int],
               ours: dict, ref: Optional[dict]) -> List[str]:
    """The table's rows of one case at one size: one per step, each with
    ``mmext / baseline`` values and their ratio. A peak under 1 MiB on
    either side (the process reused memory it already held, e.g. from the
    warm-up) gets no ratio."""
    rows = []
    for step, cost in ours['steps'].items():
        base = ref['steps'][step] if ref else {}
        base_peak = base.get('peak')
        cells = [
            name, f'{size[0]}x{size[1]}',
            str(gts) if gts else '-', step, case.mmext.name,
            case.baseline.name if case.baseline else '-',
            _pair(cost['time'], base.get('time')),
            _ratio(cost['time'], base.get('time')),
            _pair(cost['peak'], base_peak),
            _ratio(cost['peak'], base_peak) if cost['peak'] >= 1 and
            (base_peak or 0) >= 1 else '-',
            _pair(ours['params'], ref['params'] if ref else None, 2)
            if ours['params'] is not None else '-'
        ]
        rows.append('| ' + ' | '.join(cells) + ' |')
    return rows


def profile_blocks(name: str, case: Case, size: Size, gts: Optional[int],
                   ours: dict, ref: Optional[dict]) -> List[str]:
    """The profiles of one case at one size (measured with ``profile``),
    each side and step in a fenced block headed by what it profiles."""
    lines = []
    for side, report in (('mmext', ours), ('baseline', ref)):
        if report is None:
            continue
        label = (case.mmext if side == 'mmext' else case.baseline).name
        for step, cost in report['steps'].items():
            lines += [
                '', '```text', f'profile: {name}, {label} ({side}), '
                f'{size[0]}x{size[1]}' + (f', {gts} GTs' if gts else '') +
                f', {step}', cost['profile'].rstrip(), '```'
            ]
    return lines


def worker_report(case: Case,
                  side: str,
                  size: Size,
                  gts: Optional[int],
                  device: str,
                  repeat: int,
                  profile: bool = False) -> str:
    """The JSON line a worker prints for one side of ``case``."""
    side_obj = case.mmext if side == 'mmext' else case.baseline
    if side_obj is None:
        raise ValueError(f'this case has no {side!r} side')
    return json.dumps(
        measure_side(side_obj, case, size, gts, device, repeat, profile))

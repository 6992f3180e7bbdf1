import importlib.util
import os.path as osp

import pytest

import mmext.benchmark.cases  # noqa: F401
from mmext.benchmark.harness import BENCHMARK_CASES, TABLE_HEADER, select_cases
from mmext.testing import REPO_ROOT, run_tool, tool_error

TOOL = 'tools/analysis_tools/regenerate_benchmarks.py'
OLD_ROW = ('| op-cross-scale-shift | 64x64 | - | forward | mmext._ext | '
           'PyTorch (roll + cat) | 999.0 / 999.0 | 1.00 | 1.0 / 1.0 | '
           '1.00 | - |')
SMALL_DOC = f"""# Small

Some prose that stays.

```shell
python tools/analysis_tools/benchmark.py --cases op-cross-scale-shift \\
    --sizes 64x64 --repeat 1 --threads 1 --profile
```

mmext against its baselines, an old title
{TABLE_HEADER}
{OLD_ROW}

```text
profile: an old profile
aten::old_operator
```

- A note under the table that stays.
"""


def load_tool():
    spec = importlib.util.spec_from_file_location('regenerate_benchmarks',
                                                  osp.join(REPO_ROOT, TOOL))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_table_of_the_docs_has_its_command_and_every_case_runs():
    tool = load_tool()
    with open(osp.join(REPO_ROOT, 'docs', 'benchmarks.md')) as f:
        tables = tool.find_tables(f.read().splitlines())
    assert len(tables) >= 10
    cases = set()
    for table in tables:
        patterns = table.args[table.args.index('--cases') + 1:]
        patterns = patterns[:next((i for i, a in enumerate(patterns)
                                   if a.startswith('--')), len(patterns))]
        cases.update(select_cases(patterns))
    # One run of the document's commands measures every case.
    assert cases == set(BENCHMARK_CASES)


def test_commands_and_tables_are_paired_in_order():
    tool = load_tool()
    lines = [
        '```shell', 'python tools/analysis_tools/benchmark.py --cases a',
        'python tools/analysis_tools/benchmark.py --cases b \\',
        '    --threads 1', '```', '', 'mmext against its baselines, x', '',
        '| case |', '| --- |', '| a |', 'text',
        'mmext against its baselines, y', '| case |', '| b |', '', '```text',
        'profile: b', '```', '```text', 'profile: b', '```', '', '```text',
        'not a profile', '```'
    ]
    tables = tool.find_tables(lines)
    assert [t.args for t in tables] == [['--cases', 'a'],
                                        ['--cases', 'b', '--threads', '1']]
    # A table's profiles (benchmark.py --profile) are part of it.
    assert [(t.start, t.end) for t in tables] == [(6, 11), (12, 22)]


@pytest.mark.parametrize('lines, message', [
    (['mmext against its baselines', '| case |'
      ], 'line 1: a table without a python tools/analysis_tools/benchmark.py '
     'command above it'),
    ([
        '```shell', 'python tools/analysis_tools/benchmark.py --cases a',
        '```', 'text'
    ], "line 2: the command ['--cases', 'a'] has no table"),
    ([
        '```shell', 'python tools/analysis_tools/benchmark.py --cases a',
        '```', '```shell',
        'python tools/analysis_tools/benchmark.py --cases b', '```',
        'mmext against its baselines', '| case |'
    ], 'has no table before the next shell block'),
])
def test_unpaired_commands_and_tables_are_errors(lines, message):
    with pytest.raises(ValueError, match=message.replace('[', r'\[')):
        load_tool().find_tables(lines)


@pytest.mark.slow
def test_a_table_is_replaced_and_the_prose_kept(tmp_path):
    doc = tmp_path / 'benchmarks.md'
    doc.write_text(SMALL_DOC)
    out = tmp_path / 'new.md'
    proc = run_tool(TOOL, str(doc), '--out', str(out))
    assert '[1/1] load average' in proc.stdout
    new = out.read_text()
    assert OLD_ROW not in new and 'an old title' not in new
    assert 'CPU, 1 threads' in new
    row = next(line for line in new.splitlines()
               if line.startswith('| op-cross-scale-shift'))
    assert '| 64x64 | - | forward |' in row
    assert 'old_operator' not in new
    for side in ('mmext._ext (mmext)', 'PyTorch (roll + cat) (baseline)'):
        for step in ('forward', 'train'):
            assert (f'```text\nprofile: op-cross-scale-shift, {side}, '
                    f'64x64, {step}\n') in new
    kept = SMALL_DOC.split('mmext against')[0]
    assert new.startswith(kept)
    assert new.endswith('\n\n- A note under the table that stays.\n')
    assert doc.read_text() == SMALL_DOC  # the document itself is untouched
    # The output is never overwritten.
    assert 'exists; this tool never overwrites a file' in tool_error(
        TOOL, str(doc), '--out', str(out))
    assert out.read_text() == new

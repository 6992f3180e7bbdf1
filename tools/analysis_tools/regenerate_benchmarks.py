"""Regenerate every table of docs/benchmarks.md in one run.

Each table of the document follows the ``benchmark.py`` command that made it
(in a ``shell`` block above it; a block with several commands is followed
by their tables in the same order), with the profiles that ``--profile``
prints under it. This tool runs those commands one after
another, as written, and writes the document again with each table replaced
by its new output; the prose is kept as it was, for its author to check
against the new numbers. The load average is printed before each command,
so that the log shows whether the machine was idle. The output file must
not exist yet: the tool never overwrites a file. Usage::

    python tools/analysis_tools/regenerate_benchmarks.py \\
        [docs/benchmarks.md] --out work_dirs/benchmarks.md [--dry-run]

``--dry-run`` lists the commands and the line of each table without
running anything.
"""
import argparse
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import List, NamedTuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COMMAND = 'python tools/analysis_tools/benchmark.py'
# The first line of every table that benchmark.py prints.
TABLE_TITLE = 'mmext against its baselines'


class Table(NamedTuple):
    """A table of the document (lines ``start`` to ``end``, end excluded)
    and the arguments of the command that made it."""
    args: List[str]
    start: int
    end: int


def shell_commands(block: List[str]) -> List[str]:
    """The commands of a shell block, continuation lines joined."""
    commands, pending = [], ''
    for line in block:
        pending += line.rstrip()
        if pending.endswith('\\'):
            pending = pending[:-1].rstrip() + ' '
            continue
        if pending.strip():
            commands.append(pending.strip())
        pending = ''
    return commands


def find_tables(lines: List[str]) -> List[Table]:
    """Pair every table with its command; a table without a command, or a
    command without a table, is an error naming its line."""
    tables, queue, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == '```shell':
            end = lines.index('```', i + 1)
            commands = [
                c for c in shell_commands(lines[i + 1:end])
                if c.startswith(COMMAND)
            ]
            if commands and queue:
                raise ValueError(f'line {queue[0][0] + 1}: the command '
                                 f'{queue[0][1]!r} has no table before the '
                                 f'next shell block')
            # Several commands of one block: their tables follow in order.
            queue = [(i + 1, shlex.split(c[len(COMMAND):]))
                     for c in commands] or queue
            i = end + 1
            continue
        if line.startswith(TABLE_TITLE):
            if not queue:
                raise ValueError(f'line {i + 1}: a table without a '
                                 f'{COMMAND} command above it')
            start = i
            i += 1
            while i < len(lines) and not lines[i].startswith('|'):
                if lines[i].strip():
                    raise ValueError(f'line {i + 1}: expected the table '
                                     f'under line {start + 1}')
                i += 1
            while i < len(lines) and lines[i].startswith('|'):
                i += 1
            i = _after_profiles(lines, i)
            tables.append(Table(queue.pop(0)[1], start, i))
            continue
        i += 1
    if queue:
        raise ValueError(f'line {queue[0][0] + 1}: the command '
                         f'{queue[0][1]!r} has no table')
    return tables


def _after_profiles(lines: List[str], i: int) -> int:
    """The line after the profiles (``benchmark.py --profile``) that follow
    a table ending before line ``i``; ``i`` when none follows."""
    while True:
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        if (j + 1 >= len(lines) or lines[j] != '```text'
                or not lines[j + 1].startswith('profile:')):
            return i
        i = lines.index('```', j + 1) + 1


def run_command(args: List[str]) -> List[str]:
    """Run benchmark.py with ``args``; its table, from the title line."""
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark.py', *args],
        cwd=ROOT,
        capture_output=True,
        text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'benchmark.py {" ".join(args)} failed '
                           f'({proc.returncode}):\n{proc.stderr[-4000:]}')
    out = proc.stdout.splitlines()
    start = next(
        (i for i, line in enumerate(out) if line.startswith(TABLE_TITLE)),
        None)
    if start is None:
        raise RuntimeError(f'benchmark.py {" ".join(args)} printed no '
                           f'table:\n{proc.stdout[-4000:]}')
    first = next(i for i in range(start, len(out)) if out[i].startswith('|'))
    body = [line.rstrip() for line in out[first:]]
    while not body[-1]:
        body.pop()
    return [out[start].rstrip(), ''] + body


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'doc',
        nargs='?',
        default='docs/benchmarks.md',
        help='the document (default: docs/benchmarks.md)')
    parser.add_argument('--out', help='the new document (must not exist)')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='list the commands and their tables, run nothing')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with open(args.doc) as f:
        lines = f.read().splitlines()
    try:
        tables = find_tables(lines)
    except ValueError as e:
        raise SystemExit(f'{args.doc}: {e}')
    if args.dry_run:
        for table in tables:
            print(f'line {table.start + 1}: {COMMAND} '
                  f'{shlex.join(table.args)}')
        return
    if not args.out:
        raise SystemExit('--out is required (the new document)')
    if osp.exists(args.out):
        raise SystemExit(f'{args.out} exists; this tool never overwrites a '
                         f'file: name a new one')
    begin = time.time()
    new_tables = []
    for k, table in enumerate(tables, 1):
        load = ' '.join(f'{v:.2f}' for v in os.getloadavg())
        print(
            f'[{k}/{len(tables)}] load average {load}: {COMMAND} '
            f'{shlex.join(table.args)}',
            flush=True)
        started = time.time()
        try:
            new_tables.append(run_command(table.args))
        except RuntimeError as e:
            raise SystemExit(str(e))
        print(f'[{k}/{len(tables)}] {time.time() - started:.0f} s', flush=True)
    out, last = [], 0
    for table, new in zip(tables, new_tables):
        out += lines[last:table.start] + new
        last = table.end
    out += lines[last:]
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'x') as f:
        f.write('\n'.join(out) + '\n')
    print(f'{len(tables)} tables in {(time.time() - begin) / 60:.1f} min, '
          f'written to {args.out}')


if __name__ == '__main__':
    main()

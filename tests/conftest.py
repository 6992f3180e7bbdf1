import os.path as osp
import subprocess
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def run_tool(*args: str, cwd: str = REPO_ROOT,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python <args>`` from the repository root, capturing output."""
    proc = subprocess.run([sys.executable, *args],
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed '
                             f'({proc.returncode}):\n{proc.stdout}\n'
                             f'{proc.stderr[-6000:]}')
    return proc


@pytest.fixture(scope='session')
def demo_data_root(tmp_path_factory) -> str:
    """A small copy of the embedded demo set, written by the real tool."""
    root = str(tmp_path_factory.mktemp('demo_det'))
    run_tool('tools/misc/make_demo_data.py', '--out-dir', root,
             '--num-train', '24', '--num-val', '8')
    return root

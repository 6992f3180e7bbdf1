import os.path as osp
import subprocess
import sys
from typing import Dict, Optional

# The source tree the tests run from (tools/, configs/, demo/, README.md).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_tool(
        *args: str,
        cwd: str = REPO_ROOT,
        check: bool = True,
        env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Run ``python <args>`` from the source tree, capturing the output; with
    ``check``, a failure raises with the command's stdout and stderr.
    ``env`` (default: this process's environment) is the tool's."""
    proc = subprocess.run([sys.executable, *args],
                          cwd=cwd,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed '
                             f'({proc.returncode}):\n{proc.stdout}\n'
                             f'{proc.stderr[-6000:]}')
    return proc


def tool_error(*args: str, **kwargs) -> str:
    """Run a tool that must fail (as :func:`run_tool`); return its stderr.
    A tool that succeeds fails the calling test."""
    proc = run_tool(*args, check=False, **kwargs)
    if proc.returncode == 0:
        raise AssertionError(f'{" ".join(args)} succeeded, expected it to '
                             f'fail:\n{proc.stdout[-3000:]}')
    return proc.stderr


def write_small_demo_sets(root: str) -> Dict[str, str]:
    """Small copies of the embedded demo sets under ``root``, written by the
    real tool: ``det`` (COCO format, 24 train / 8 val images) and ``ad``
    (MVTec AD layout, 16 train / 4 test images per defect)."""
    roots = dict(det=osp.join(root, 'demo_det'), ad=osp.join(root, 'demo_ad'))
    run_tool('tools/misc/make_demo_data.py', '--out-dir', roots['det'],
             '--num-train', '24', '--num-val', '8', '--ad-out-dir',
             roots['ad'], '--ad-num-train', '16', '--ad-num-test', '4')
    return roots

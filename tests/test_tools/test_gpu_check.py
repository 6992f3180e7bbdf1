import subprocess

import pytest
import torch

from mmext.testing import REPO_ROOT


def gpu_check(out_dir) -> subprocess.CompletedProcess:
    return subprocess.run(['bash', 'tools/misc/gpu_check.sh',
                           str(out_dir)],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=120)


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='runs the whole check on a GPU')
def test_refuses_without_a_gpu(tmp_path):
    proc = gpu_check(tmp_path / 'out')
    assert proc.returncode == 2
    assert 'no CUDA device: gpu_check needs a GPU' in proc.stderr


def test_refuses_a_folder_with_files(tmp_path):
    (tmp_path / 'kept.txt').write_text('a user file')
    proc = gpu_check(tmp_path)
    assert proc.returncode == 2 and 'not empty' in proc.stderr
    assert (tmp_path / 'kept.txt').read_text() == 'a user file'

"""``make cuda-compile`` (tools/misc/cuda_compile_check.sh): CUDA sources
compile without a GPU with NVIDIA's compiler from PyPI, and one that does not
compile fails the check.

Each case runs the script on a small tree of its own (setup.py and the
script copied, one tiny kernel), so a case takes seconds. Skipped until
``make cuda-compile`` has unpacked the compiler (CI runs it first).
"""
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REQUIREMENTS = osp.join(ROOT, 'requirements', 'cuda_compile.txt')
CACHE = os.getenv('MMEXT_CUDA_CACHE', osp.expanduser('~/.cache/mmext/cuda'))


def _toolkit_installed() -> bool:
    with open(REQUIREMENTS, 'rb') as f:
        key = hashlib.sha1(f.read()).hexdigest()[:12]
    nvcc = osp.join(CACHE, f'toolkit-{key}', 'nvidia', 'cu13', 'bin', 'nvcc')
    return osp.isfile(nvcc)


pytestmark = [
    pytest.mark.slow, pytest.mark.cuda,
    pytest.mark.skipif(
        not _toolkit_installed(),
        reason='NVIDIA\'s PyPI compiler is not unpacked: run make cuda-compile'
    )
]

PYBIND = '#include <Python.h>\nPyMODINIT_FUNC PyInit__ext(void) {return 0;}\n'
GOOD_KERNEL = '__global__ void twice(float* x) { x[threadIdx.x] *= 2.f; }\n'
BAD_KERNEL = '__global__ void twice(float* x) { x[threadIdx.x] *= no_such; }\n'


def _tree(root, kernel: str) -> str:
    """A copy of what the script and setup.py read, with one kernel."""
    for name in ('setup.py', 'README.md', 'requirements', 'mmext/version.py',
                 'tools/find_python.sh', 'tools/misc/cuda_compile_check.sh'):
        src, dst = osp.join(ROOT, name), osp.join(root, name)
        os.makedirs(osp.dirname(dst), exist_ok=True)
        if osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copy(src, dst)
    csrc = osp.join(root, 'mmext', 'ops', 'csrc', 'pytorch')
    os.makedirs(osp.join(csrc, 'cuda'))
    with open(osp.join(csrc, 'pybind.cpp'), 'w') as f:
        f.write(PYBIND)
    with open(osp.join(csrc, 'cuda', 'kernel.cu'), 'w') as f:
        f.write(kernel)
    return str(root)


def _check(root) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        MMEXT_CUDA_CACHE=CACHE,
        TORCH_CUDA_ARCH_LIST='8.0;9.0')
    return subprocess.run(['bash', 'tools/misc/cuda_compile_check.sh'],
                          cwd=root,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)


def test_a_kernel_compiles_for_both_architectures(tmp_path):
    root = _tree(tmp_path, GOOD_KERNEL)
    result = _check(root)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert 'OK: every CUDA source compiled for sm_80 sm_90' in output
    objects = [
        f for _, _, files in os.walk(osp.join(root, 'build')) for f in files
        if f == 'kernel.o'
    ]
    assert objects == ['kernel.o']


def test_a_kernel_that_does_not_compile_fails(tmp_path):
    root = _tree(tmp_path, BAD_KERNEL)
    result = _check(root)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'kernel.cu' in output and 'no_such' in output
    assert 'OK:' not in output

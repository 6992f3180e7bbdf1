#!/usr/bin/env python
"""Install mmext; ``pip install -e .`` for development.

Like mmdet, the configs and tools are shipped inside the package, under
``mmext/.mim/``, so that ``_base_ = 'mmext::demo/...'`` resolves wherever
mmext is installed: symlinks for editable installs, copies for wheels.

The compiled ops ``mmext._ext`` (``mmext/ops/csrc``) are optional;
``MMEXT_WITH_OPS`` decides:

- unset: built when torch and mmcv (for its C++ helper headers) import; a
  failed compilation warns and installs mmext without them (the ops then
  run their pure-PyTorch versions);
- ``1``: built, and any failure stops the install;
- ``0``: not built.

The CUDA kernels are compiled as well when torch is a CUDA build and a CUDA
toolkit is found (``CUDA_HOME``); ``FORCE_CUDA=0`` skips them and
``FORCE_CUDA=1`` compiles them with any torch, a CPU build too, as mmcv's
``FORCE_CUDA`` does (``make cuda-compile`` checks them so, without a GPU;
see ``tools/misc/cuda_compile_check.sh``).
"""
import glob
import os
import os.path as osp
import shutil
import sys
import warnings

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(ROOT, 'mmext', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/{name}.txt`` (no comments)."""
    with open(osp.join(ROOT, 'requirements', f'{name}.txt')) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def add_mim_extension() -> None:
    """Place configs and tools under ``mmext/.mim``."""
    copy = 'sdist' in sys.argv or 'bdist_wheel' in sys.argv
    mim_dir = osp.join(ROOT, 'mmext', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(ROOT, name), osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if not copy:
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


def make_ops_extension() -> dict:
    """``ext_modules`` and ``cmdclass`` of ``setup()`` for ``mmext._ext``
    (empty when it is not to be built, see the module docstring)."""
    mode = os.getenv('MMEXT_WITH_OPS', '')
    if mode not in ('', '0', '1'):
        raise SystemExit(f'MMEXT_WITH_OPS must be 0 or 1, got {mode!r}')
    if mode == '0':
        return {}
    try:
        import mmcv
        import torch
        from torch.utils import cpp_extension
        from torch.utils.cpp_extension import (CUDA_HOME, BuildExtension,
                                               CppExtension, CUDAExtension)
    except ImportError as e:
        if mode == '1':
            raise SystemExit(f'MMEXT_WITH_OPS=1 needs torch and mmcv: {e}')
        warnings.warn(f'mmext._ext not built ({e}); the pure-PyTorch ops '
                      'will be used')
        return {}
    mmcv_common = osp.join(osp.dirname(mmcv.__file__), 'ops', 'csrc', 'common')
    if not osp.isfile(osp.join(mmcv_common, 'pytorch_device_registry.hpp')):
        message = f'mmcv\'s C++ headers are missing from {mmcv_common}'
        if mode == '1':
            raise SystemExit(f'MMEXT_WITH_OPS=1: {message}')
        warnings.warn(f'mmext._ext not built: {message}')
        return {}

    csrc = osp.join('mmext', 'ops', 'csrc')
    sources = sorted(
        glob.glob(osp.join(csrc, 'pytorch', '*.cpp')) +
        glob.glob(osp.join(csrc, 'pytorch', 'cpu', '*.cpp')))
    include_dirs = [osp.abspath(osp.join(csrc, 'common')), mmcv_common]
    force_cuda = os.getenv('FORCE_CUDA', '')
    if force_cuda not in ('', '0', '1'):
        raise SystemExit(f'FORCE_CUDA must be 0 or 1, got {force_cuda!r}')
    if force_cuda == '1' and CUDA_HOME is None:
        # A CPU torch does not look for a toolkit; CUDAExtension and
        # BuildExtension read the one named here.
        toolkit = os.getenv('CUDA_HOME', '')
        if not osp.isfile(osp.join(toolkit, 'bin', 'nvcc')):
            raise SystemExit('FORCE_CUDA=1 needs a CUDA toolkit: set '
                             'CUDA_HOME to the folder holding bin/nvcc')
        cpp_extension.CUDA_HOME = CUDA_HOME = toolkit
    with_cuda = CUDA_HOME is not None and (
        force_cuda == '1' or
        (force_cuda == '' and torch.version.cuda is not None))
    extension, define_macros = CppExtension, []
    # ATen's parallel_for only spreads over threads in a translation unit
    # compiled with OpenMP, as torch's own CPU kernels are on Linux.
    openmp = ['-fopenmp'] if sys.platform.startswith('linux') else []
    extra_compile_args = dict(cxx=['-O3'] + openmp)
    if with_cuda:
        extension = CUDAExtension
        define_macros = [('MMEXT_WITH_CUDA', None)]
        sources += sorted(
            glob.glob(osp.join(csrc, 'pytorch', 'cuda', '*.cpp')) +
            glob.glob(osp.join(csrc, 'pytorch', 'cuda', '*.cu')))
        include_dirs.append(osp.join(mmcv_common, 'cuda'))
        extra_compile_args['nvcc'] = ['-O3']

    class OptionalBuildExtension(BuildExtension):
        """torch's ``BuildExtension``; when ``MMEXT_WITH_OPS`` is unset a
        failed build warns instead of failing the install, and the later
        steps (in-place copy, wheel contents) leave the extension out."""

        def build_extension(self, ext) -> None:
            try:
                super().build_extension(ext)
            except Exception as e:  # compiler missing or compilation failed
                if mode == '1':
                    raise
                warnings.warn(f'building {ext.name} failed ({e}); mmext is '
                              'installed without its compiled ops')
                self.extensions = [x for x in self.extensions if x is not ext]

    ext = extension(
        name='mmext._ext',
        sources=sources,
        depends=glob.glob(osp.join(csrc, 'common', '*.hpp')),
        include_dirs=include_dirs,
        define_macros=define_macros,
        extra_compile_args=extra_compile_args,
        extra_link_args=openmp)
    return dict(
        ext_modules=[ext], cmdclass=dict(build_ext=OptionalBuildExtension))


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmext',
        version=read_version(),
        description='OpenMMLab 2.0 extension for detection research: RCNet, '
        'TOOD, MixTeacher, Calibrated Teacher, SSD-Det and DMDD',
        long_description=open(osp.join(ROOT, 'README.md')).read(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        packages=find_packages(exclude=('configs', 'tools', 'tests')),
        include_package_data=True,
        python_requires='>=3.10',
        install_requires=read_requirements('runtime'),
        extras_require=dict(
            mim=read_requirements('mminstall'),
            build=read_requirements('build'),
            tests=read_requirements('tests'),
            optional=read_requirements('optional'),
            deploy=read_requirements('deploy')),
        zip_safe=False,
        **make_ops_extension())

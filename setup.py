#!/usr/bin/env python
"""Install mmext; ``pip install -e .`` for development.

Like mmdet, the configs and tools are shipped inside the package, under
``mmext/.mim/``, so that ``_base_ = 'mmext::demo/...'`` resolves wherever
mmext is installed: symlinks for editable installs, copies for wheels.
"""
import os
import os.path as osp
import shutil
import sys

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
            optional=read_requirements('optional')),
        zip_safe=False)

"""Every Python snippet of the READMEs runs, and every `demo/image_demo.py`
command of their shell snippets: in a folder laid out as the READMEs
assume (configs/, demo/, tools/, the demo data from `make data`, small
here, and checkpoints where `make demo` writes them, random weights here).
Config snippets (no import statement) load with mmengine's Config."""
import glob
import os
import os.path as osp
import re
import shlex
from typing import List, Tuple

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmext  # noqa: F401  (mmext:: configs)
from mmext.datasets import DemoDetDataset
from mmext.registry import MODELS
from mmext.testing import REPO_ROOT, run_tool

pytestmark = pytest.mark.slow

READMES = ['README.md', 'demo/README.md'] + sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'README.md')))
CHECKPOINT = re.compile(r'work_dirs/demo/([\w.@-]+)/(\w+\.pth)')


def blocks(language: str) -> List[Tuple[str, int, str]]:
    """``(readme, index, code)`` of every fenced block in ``language``."""
    found = []
    for readme in READMES:
        with open(osp.join(REPO_ROOT, readme)) as f:
            text = f.read()
        for i, code in enumerate(
                re.findall(rf'```{language}\n(.*?)```', text, re.S)):
            found.append((readme, i, code))
    return found


def image_demo_commands() -> List[Tuple[str, int, str]]:
    commands = []
    for readme, i, code in blocks('shell'):
        joined = code.replace('\\\n', ' ')
        for line in joined.splitlines():
            line = line.split('#')[0].strip()
            if line.startswith('python demo/image_demo.py') and ('INPUTS'
                                                                 not in line):
                commands.append((readme, i, line))
    return commands


def is_config(code: str) -> bool:
    return not re.search(r'^(import|from) \w', code, re.M)


@pytest.fixture(scope='module')
def readme_root(tmp_path_factory, demo_sets):
    """A working directory as the READMEs assume it."""
    root = tmp_path_factory.mktemp('readme')
    for name in ('configs', 'demo', 'tools'):
        os.symlink(osp.join(REPO_ROOT, name), root / name)
    (root / 'data').mkdir()
    os.symlink(demo_sets['det'], root / 'data' / 'demo_det')
    os.symlink(demo_sets['ad'], root / 'data' / 'demo_ad')
    checkpoints = {}  # path: config
    for _, _, code in blocks('python'):
        for name, filename in CHECKPOINT.findall(code):
            [config
             ] = glob.glob(osp.join(REPO_ROOT, 'configs', '*', f'{name}.py'))
            checkpoints[f'work_dirs/demo/{name}/{filename}'] = config
    for _, _, command in image_demo_commands():
        args = shlex.split(command)
        checkpoints[args[args.index('--weights') + 1]] = osp.join(
            REPO_ROOT, args[3])
    for path, config in sorted(checkpoints.items()):
        write_checkpoint(root / path, config)
    return root


def write_checkpoint(path, config: str) -> None:
    """Random weights of ``config`` at ``path``."""
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    # Every demo detector trains on the demo set's classes.
    classes = DemoDetDataset.METAINFO['classes']
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=classes))), path)


@pytest.mark.parametrize(
    'readme, index, code',
    blocks('python'),
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None)
def test_python_snippets_run(readme, index, code, readme_root, tmp_path,
                             monkeypatch):
    monkeypatch.chdir(readme_root)
    if is_config(code):
        path = tmp_path / 'snippet_config.py'
        path.write_text(code)
        cfg = Config.fromfile(str(path))
        assert cfg.keys(), f'{readme} block {index} defines nothing'
        return
    namespace = {}
    exec(compile(code, f'{readme} python block {index}', 'exec'), namespace)


@pytest.mark.parametrize(
    'readme, index, command',
    image_demo_commands(),
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None)
def test_image_demo_commands_run(readme, index, command, readme_root,
                                 tmp_path):
    args = shlex.split(command)[1:]
    out_dir = args[args.index('--out-dir') + 1]
    args[args.index('--out-dir') + 1] = str(tmp_path / out_dir)
    proc = run_tool(*args, cwd=str(readme_root))
    assert re.search(r'^\d+ (detections >= |of \d+ images anomalous)',
                     proc.stdout, re.M), proc.stdout
    assert os.listdir(tmp_path / out_dir / 'vis')

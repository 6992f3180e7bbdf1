"""Two processes on CPU (gloo) through the real tools/dist_train.sh and
tools/dist_test.sh, for each method family: training finishes, the ranks
read disjoint images and end with identical parameters and buffers (the
calibrator's per-rank observations excepted), a 2-process --resume ends
where the uninterrupted 2-process run ends, and a 2-process evaluation
gives the 1-process metric."""
import os
import os.path as osp
import re
import shutil
import socket
import subprocess

import pytest
import torch
from test_exact_resume import CONFIGS, end_state

from mmext.testing import REPO_ROOT, run_tool

pytestmark = [pytest.mark.slow, pytest.mark.distributed]

PROBE = """
custom_imports = dict(imports=['mmext', 'dist_probe'],
                      allow_failed_imports=False)
custom_hooks = {hooks} + [dict(type='RankProbeHook')]
"""
RANK_LOCAL = ('calibrator.confidences', 'calibrator.correct',
              'calibrator.num_observed')


def free_port() -> str:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def dist_tool(script: str, *args: str) -> str:
    env = dict(
        os.environ,
        PORT=free_port(),
        PYTHON=os.sys.executable,
        PYTHONPATH=osp.dirname(osp.abspath(__file__)))
    proc = subprocess.run(['bash', f'tools/{script}', *args],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f'{script} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}')
    return proc.stdout + proc.stderr


def write(tmp_path, name, demo_sets, probe=True):
    config = tmp_path / f'{name}.py'
    # the config's own hooks where it sets them, else its base's
    hooks = ('custom_hooks' if 'custom_hooks =' in CONFIGS[name] else
             "_base_.get('custom_hooks', [])")
    text = CONFIGS[name].format(
        det=demo_sets['det'], ad=demo_sets['ad'], out=tmp_path)
    config.write_text(text + (PROBE.format(hooks=hooks) if probe else ''))
    return str(config)


@pytest.mark.parametrize('name', list(CONFIGS))
def test_two_processes_train_resume_and_agree(name, demo_sets, tmp_path):
    config = write(tmp_path, name, demo_sets)
    first, last = (('epoch_1.pth', 'epoch_2.pth') if name == 'atss' else
                   ('iter_2.pth', 'iter_4.pth'))
    dist_tool('dist_train.sh', config, '2', '--work-dir', str(tmp_path / 'a'))
    ranks = [
        torch.load(tmp_path / 'a' / f'rank{r}.pth', weights_only=False)
        for r in (0, 1)
    ]
    for images0, images1 in zip(ranks[0]['images'], ranks[1]['images']):
        assert not set(images0) & set(images1)
    state0, state1 = ranks[0]['state'], ranks[1]['state']
    differ = [
        k for k, v in state0.items()
        if not k.endswith(RANK_LOCAL) and not torch.equal(v, state1[k])
    ]
    assert not differ, f'ranks differ in {differ[:3]}'

    (tmp_path / 'b').mkdir()
    shutil.copy(tmp_path / 'a' / first, tmp_path / 'b')
    dist_tool('dist_train.sh', config, '2', '--work-dir', str(tmp_path / 'b'),
              '--resume')
    straight = end_state(tmp_path / 'a' / last)
    resumed = end_state(tmp_path / 'b' / last)
    differ = [k for k, v in straight.items() if not torch.equal(v, resumed[k])]
    assert not differ, f'resumed run differs in {differ[:3]}'
    if name == 'calibrated_teacher':
        # The checkpoint holds both ranks' observations; the map fitted on
        # them after the resume is the uninterrupted run's (compared above).
        ckpt = torch.load(tmp_path / 'a' / first, weights_only=False)
        assert [sorted(s['buffers']) for s in ckpt['rank_states']] == [[
            'calibrator.confidences', 'calibrator.correct',
            'calibrator.num_observed'
        ]] * 2
        assert int(straight['.model.calibrator.num_fits']) > 0


def test_validation_and_evaluation_agree_across_process_counts(
        demo_sets, tmp_path):
    """Validation at the end of a 2-process run (BN synced first), the
    saved checkpoint evaluated on 1 process and on 2: one metric."""
    config = write(tmp_path, 'atss', demo_sets, probe=False)
    trained = dist_tool('dist_train.sh', config, '2', '--work-dir',
                        str(tmp_path / 'w'), '--cfg-options',
                        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1')
    ckpt = str(tmp_path / 'w' / 'epoch_1.pth')
    one = run_tool('tools/test.py', config, ckpt, '--work-dir',
                   str(tmp_path / 't1')).stdout
    two = dist_tool('dist_test.sh', config, ckpt, '2', '--work-dir',
                    str(tmp_path / 't2'))
    metric = re.compile(r'coco/bbox_mAP: ([0-9.]+)\s+coco/bbox_mAP_50: '
                        r'([0-9.]+)')
    values = [
        tuple(map(float,
                  metric.findall(log)[-1])) for log in (trained, one, two)
    ]
    assert values[0] == values[1] == values[2]


def test_ssd_det_batch_without_boxes_under_ddp(demo_sets, tmp_path):
    """One image per process, half the images without boxes: a rank with
    an empty batch still reaches every parameter (DDP fails otherwise)."""
    import json
    with open(
            osp.join(demo_sets['det'], 'annotations',
                     'instances_train.json')) as f:
        coco = json.load(f)
    kept = {img['id'] for img in coco['images'][::2]}
    coco['annotations'] = [
        a for a in coco['annotations'] if a['image_id'] in kept
    ]
    ann = tmp_path / 'half_empty.json'
    ann.write_text(json.dumps(coco))
    config = write(
        tmp_path, 'ssd_det', demo_sets,
        "\ntrain_dataloader = dict(batch_size=1, dataset=dict("
        f"data_root=data_root, ann_file='{ann}'))\n")
    log = dist_tool('dist_train.sh', config, '2', '--work-dir',
                    str(tmp_path / 'w'), '--cfg-options',
                    'train_cfg.max_iters=6')
    assert osp.isfile(tmp_path / 'w' / 'iter_6.pth')
    images = torch.load(
        tmp_path / 'w' / 'rank0.pth', weights_only=False)['images']
    images += torch.load(
        tmp_path / 'w' / 'rank1.pth', weights_only=False)['images']
    empty = {
        osp.join(demo_sets['det'], 'train', img['file_name'])
        for img in coco['images'] if img['id'] not in kept
    }
    assert any(set(batch) <= empty for batch in images), log[-2000:]

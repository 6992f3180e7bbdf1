"""tools/slurm_train.sh and tools/slurm_test.sh on a real one-node Slurm
(Debian's slurm-wlm on localhost, `make slurm` installs it; skipped where
srun is missing): 2 tasks on CPU-only nodes, as the scripts' header says,
train on disjoint images to equal parameters, the evaluation prints its
metric, and two jobs run at once on the same node."""
import os
import os.path as osp
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from test_distributed import RANK_LOCAL, write

from mmext.testing import REPO_ROOT

pytestmark = [
    pytest.mark.slow, pytest.mark.distributed,
    pytest.mark.skipif(
        shutil.which('srun') is None or os.geteuid() != 0,
        reason=('no Slurm here (make slurm installs it; '
                'its daemons run as root)'))
]


@pytest.fixture(scope='module')
def slurm():
    proc = subprocess.run(['bash', 'tools/misc/slurm_local.sh', 'start'],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def slurm_tool(script: str, job: str, *args: str) -> str:
    env = dict(
        os.environ,
        GPUS='2',
        GPUS_PER_NODE='2',
        CPUS_PER_TASK='1',
        PYTHON=os.sys.executable,
        PYTHONPATH=osp.dirname(osp.abspath(__file__)))
    env.pop('MASTER_PORT', None)
    proc = subprocess.run(['bash', f'tools/{script}', 'debug', job, *args],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{script} failed:\n{output[-6000:]}'
    return output


def train_and_test(tmp_path, demo_sets, job: str) -> None:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = write(tmp_path, 'atss', demo_sets)
    work_dir = tmp_path / 'work'
    log = slurm_tool('slurm_train.sh', job, config, str(work_dir),
                     '--cfg-options', 'train_cfg.max_epochs=1')
    assert '--gres' not in log  # a CPU-only torch asks for no GPU
    # The environment logged is the one that runs.
    assert "'backend': 'gloo'" in log and 'nccl' not in log
    ranks = [
        torch.load(work_dir / f'rank{r}.pth', weights_only=False)
        for r in (0, 1)
    ]
    # Each task has its own local rank, from SLURM_LOCALID.
    assert [r['local_rank'] for r in ranks] == ['0', '1']
    for images0, images1 in zip(ranks[0]['images'], ranks[1]['images']):
        assert images0 and images1 and not set(images0) & set(images1)
    differ = [
        k for k, v in ranks[0]['state'].items() if not k.endswith(RANK_LOCAL)
        and not torch.equal(v, ranks[1]['state'][k])
    ]
    assert not differ, f'ranks differ in {differ[:3]}'
    tested = slurm_tool('slurm_test.sh', job, config,
                        str(work_dir / 'epoch_1.pth'), '--work-dir',
                        str(tmp_path / 'test'))
    assert re.search(r'coco/bbox_mAP: [0-9.]+', tested)


def test_train_and_test_with_two_tasks(slurm, demo_sets, tmp_path):
    train_and_test(tmp_path, demo_sets, 'mmext-one')


def test_two_jobs_at_once_on_one_node(slurm, demo_sets, tmp_path):
    with ThreadPoolExecutor(2) as pool:
        jobs = [
            pool.submit(train_and_test, tmp_path / name, demo_sets, name)
            for name in ('mmext-a', 'mmext-b')
        ]
        for job in jobs:
            job.result()

"""The parts of mmext's engine that the end-to-end tests only reach through
whole runs: the seeded dataloader config, the CPU process group, the buffer
sync before validation and the anomaly visualization hook."""
import os
import socket
from datetime import timedelta
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import nn

from mmext.datasets import SampleSeededDataset, SampleSeededSampler
from mmext.engine.hooks import AnomalyVisualizationHook, SyncSharedBuffersHook
from mmext.engine.runner import MMExtRunner
from mmext.engine.runner.mmext_runner import init_cpu_process_group
from mmext.visualization import AnomalyLocalVisualizer

ORIGINAL_ENV = dict(os.environ)


def test_seeded_dataloader_cfg_wraps_sampler_and_dataset_once():
    cfg = dict(
        batch_size=2,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(type='CocoDataset', ann_file='a.json'))
    seeded = MMExtRunner.seeded_dataloader_cfg(cfg)
    assert seeded['sampler'] == dict(
        type=SampleSeededSampler, sampler=cfg['sampler'])
    assert seeded['dataset'] == dict(
        type=SampleSeededDataset, dataset=cfg['dataset'])
    assert seeded['batch_size'] == 2
    assert cfg['sampler'] == dict(type='DefaultSampler', shuffle=True)
    # Already wrapped (by class or by scoped name): left as it is.
    assert MMExtRunner.seeded_dataloader_cfg(seeded) == seeded
    named = dict(
        sampler=dict(type='mmext.SampleSeededSampler', sampler={}),
        dataset=dict(type='SampleSeededDataset', dataset={}))
    assert MMExtRunner.seeded_dataloader_cfg(named) == named
    # Built objects are not configs: nothing to wrap.
    built = dict(sampler=object(), dataset=object())
    assert MMExtRunner.seeded_dataloader_cfg(built) == built


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_cpu_process_group_refuses_launchers_it_cannot_start():
    with pytest.raises(ValueError, match="launcher='mpi' on a CPU-only"):
        init_cpu_process_group('mpi', {})


@pytest.mark.parametrize('launcher', ['pytorch', 'slurm'])
def test_cpu_process_group_starts_gloo(launcher, monkeypatch):
    # Set, then deleted: monkeypatch then restores what the process group
    # writes into os.environ (a later Slurm test's tasks inherit it).
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        monkeypatch.setenv(key, '')
        monkeypatch.delenv(key)
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    if launcher == 'slurm':  # rank and world size from Slurm's variables
        monkeypatch.setenv('SLURM_PROCID', '0')
        monkeypatch.setenv('SLURM_NTASKS', '1')
        monkeypatch.setenv('SLURM_LOCALID', '0')
    else:
        monkeypatch.setenv('RANK', '0')
        monkeypatch.setenv('WORLD_SIZE', '1')
    init_cpu_process_group(launcher, dict(backend='nccl', timeout=60))
    try:
        assert dist.get_backend() == 'gloo'
        assert dist.get_world_size() == 1
        if launcher == 'slurm':
            assert (os.environ['RANK'], os.environ['WORLD_SIZE'],
                    os.environ['LOCAL_RANK']) == ('0', '1', '0')
    finally:
        dist.destroy_process_group()


def test_cpu_process_group_test_leaves_the_environment_as_it_was():
    # The test above ran first (file order): nothing of it is left.
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'SLURM_PROCID'):
        assert key not in os.environ or key in ORIGINAL_ENV


class Probe(nn.Module):
    """A BN (shared statistics) and a per-rank buffer."""
    rank_local_buffers = ('seen', )

    def __init__(self, rank: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(2)
        self.norm.running_mean.fill_(float(rank))
        self.register_buffer('seen', torch.tensor([float(rank)]))


def sync_worker(rank: int, port: int, results) -> None:
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=2,
        timeout=timedelta(seconds=60))
    model = Probe(rank)
    SyncSharedBuffersHook().before_val_epoch(SimpleNamespace(model=model))
    results[rank] = (model.norm.running_mean.tolist(), model.seen.tolist(),
                     int(model.norm.num_batches_tracked))
    dist.destroy_process_group()


@pytest.mark.distributed
def test_sync_shared_buffers_hook_averages_bn_not_rank_local_buffers():
    results = mp.Manager().dict()
    mp.spawn(sync_worker, args=(free_port(), results), nprocs=2)
    # BN statistics averaged (0 and 1 -> 0.5); per-rank buffers and integer
    # counters kept.
    assert results[0] == ([0.5, 0.5], [0.0], 0)
    assert results[1] == ([0.5, 0.5], [1.0], 0)


@pytest.fixture
def anomaly_runner(tmp_path):
    image = np.zeros((32, 48, 3), np.uint8)
    image[8:16, 8:24] = 200
    paths = []
    for i in range(3):
        path = tmp_path / f'img_{i}.png'
        cv2.imwrite(str(path), image)
        paths.append(str(path))
    samples = []
    for path in paths:
        sample = SegDataSample(
            metainfo=dict(
                img_path=path, category='bottle', defect_type='broken'))
        anomaly_map = torch.zeros(1, 32, 48)
        anomaly_map[:, 8:16, 8:24] = 0.9
        sample.pred_anomaly_map = PixelData(data=anomaly_map)
        sample.gt_sem_seg = PixelData(data=(anomaly_map > 0.5).long())
        sample.pred_score = torch.tensor(0.9)
        samples.append(sample)
    visualizer = AnomalyLocalVisualizer(name=f'vis_{tmp_path.name}')
    runner = SimpleNamespace(
        visualizer=visualizer, log_dir=str(tmp_path / 'log'))
    return runner, samples


def test_anomaly_visualization_hook_writes_one_panel_an_image(
        anomaly_runner, tmp_path):
    runner, samples = anomaly_runner
    hook = AnomalyVisualizationHook(draw=True, interval=2, test_out_dir='vis')
    hook.before_test(runner)
    for batch_idx, sample in enumerate(samples):
        hook.after_test_iter(runner, batch_idx, {}, [sample])
    out_dir = tmp_path / 'log' / 'vis' / 'bottle' / 'broken'
    # Batches 0 and 2 (every second one).
    assert sorted(os.listdir(out_dir)) == ['img_0.png', 'img_2.png']
    panel = cv2.imread(str(out_dir / 'img_0.png'))
    assert panel.shape[0] >= 32 and panel.shape[1] >= 3 * 48  # 3 panels


def test_anomaly_visualization_hook_draws_only_when_asked(
        anomaly_runner, tmp_path):
    runner, samples = anomaly_runner
    AnomalyVisualizationHook(test_out_dir='vis').after_test_iter(
        runner, 0, {}, samples[:1])
    assert not (tmp_path / 'log').exists()
    runner.visualizer = object()
    with pytest.raises(TypeError, match='AnomalyLocalVisualizer'):
        AnomalyVisualizationHook(draw=True).before_test(runner)
    AnomalyVisualizationHook().before_test(runner)  # not drawing: no check

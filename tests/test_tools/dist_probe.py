"""A hook the distributed tests load with custom_imports: each rank writes
the images it trained on and its final parameters and buffers."""
import os
import os.path as osp

import torch
from mmengine.hooks import Hook

from mmext.engine import unwrapped_model
from mmext.registry import HOOKS


def _image_paths(data_samples):
    if isinstance(data_samples, dict):  # semi-supervised branches
        return [
            p for branch in data_samples.values() for p in _image_paths(branch)
        ]
    # a branch an image has no pipeline for holds None
    return [s.metainfo.get('img_path') for s in data_samples if s is not None]


@HOOKS.register_module()
class RankProbeHook(Hook):

    def before_run(self, runner) -> None:
        self.images = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.images.append(
            sorted(set(_image_paths(data_batch['data_samples']))))

    def after_train(self, runner) -> None:
        model = unwrapped_model(runner)
        state = {
            k: v.detach().cpu().clone()
            for k, v in model.state_dict().items()
        }
        torch.save(
            dict(
                images=self.images,
                state=state,
                local_rank=os.environ.get('LOCAL_RANK')),
            osp.join(runner.work_dir, f'rank{runner.rank}.pth'))

"""SSDDet in its three modes, built from the demo config."""
import os.path as osp

import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmext.registry import MODELS
from mmext.utils import register_all_modules

CONFIG = osp.join(
    osp.dirname(__file__), '..', '..', '..', 'configs', 'ssd_det',
    'ssd-det_r18_fpn_500it_demo-noise40.py')


def test_loss_predict_and_tensor_modes():
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    samples = []
    for boxes, labels in (([[10., 10., 40., 50.],
                            [60., 20., 90.,
                             40.]], [0, 5]), ([[0., 0., 30., 30.]], [3])):
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(96, 96),
                ori_shape=(192, 192),
                scale_factor=(0.5, 0.5)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes), labels=torch.tensor(labels))
        samples.append(sample)
    data = model.data_preprocessor(
        dict(
            inputs=[torch.randint(0, 255, (3, 96, 96), dtype=torch.uint8)] * 2,
            data_samples=samples),
        training=True)
    losses = model(**data, mode='loss')
    assert len(losses) == 6 and all(torch.isfinite(v) for v in losses.values())
    model.eval()
    with torch.no_grad():
        results = model(**data, mode='predict')
        refined, scores = model(**data, mode='tensor')
    assert [len(r.pred_instances) for r in results] == [2, 1]
    assert results[0].pred_instances.labels.tolist() == [0, 5]
    assert refined.shape == (3, 4) and scores.shape == (3, )
    # predict maps the network-input boxes back to the original image.
    assert torch.allclose(
        results[0].pred_instances.bboxes, refined[:2] * 2, atol=1e-3)

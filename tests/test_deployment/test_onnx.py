"""ONNX export (standard operators only) and ONNX Runtime inference against
the PyTorch models, for DMDD and the single-stage detector families."""
import os.path as osp

import onnx
import pytest
import torch
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmseg.structures import SegDataSample

from mmext.deployment import (OnnxRuntimeNetwork, attach_onnxruntime,
                              export_onnx)
from mmext.deployment.model_loading import without_pretrained_backbones
from mmext.deployment.onnx_export import export_graph
from mmext.registry import MODELS
from mmext.testing import REPO_ROOT, run_tool
from mmext.utils import register_all_modules

pytestmark = pytest.mark.slow

DMDD_DEMO = 'configs/dmdd/dmdd_r18_800it_demo-brick.py'
DETECTORS = {
    'atss': 'configs/demo/atss_r18_fpn_10e_demo.py',
    'rcnet': 'configs/rcnet/atss_r18_rcnet_10e_demo.py',
    'tood': 'configs/tood/tood_r18_fpn_10e_demo.py',
}


def build(config: str, seed: int = 0, **test_cfg) -> torch.nn.Module:
    """The config's model with random weights (no download)."""
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    without_pretrained_backbones(cfg.model)
    if test_cfg:
        cfg.model.test_cfg.update(test_cfg)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.eval()


def detector_batch(model, size=(128, 128), num=1):
    packed = demo_mm_inputs(
        batch_size=num,
        image_shapes=[(3, *size)] * num,
        num_items=[1] * num,
        num_classes=6)
    data = model.data_preprocessor(packed, False)
    return data['inputs'], data['data_samples']


def standard_domains(path: str) -> set:
    return {node.domain for node in onnx.load(path).graph.node}


def test_dmdd_exports_with_dynamic_shapes_and_matches_pytorch(tmp_path):
    model = build(DMDD_DEMO)
    path = str(tmp_path / 'dmdd.onnx')
    metadata = export_onnx(model, path, (1, 3, 128, 128))
    assert metadata == {'mmext_task': 'anomaly'}  # no fixed input shape
    assert standard_domains(path) <= {'', 'ai.onnx'}
    images = torch.randn(2, 3, 160, 128)  # another batch size and size
    maps, scores = OnnxRuntimeNetwork(path)(images)
    with torch.no_grad():
        ref_maps, ref_scores = model.anomaly_maps_and_scores(images)
    assert maps.shape == (2, 1, 160, 128)
    torch.testing.assert_close(maps, ref_maps, rtol=0, atol=1e-4)
    torch.testing.assert_close(scores, ref_scores, rtol=0, atol=1e-4)


def test_dmdd_predictions_through_onnxruntime(tmp_path):
    """Another model of the config, its network replaced by the exported
    graph, predicts what the exported model predicts (maps cropped and
    resized to each image's size beside the graph)."""
    exported = build(DMDD_DEMO, seed=0)
    path = str(tmp_path / 'dmdd.onnx')
    export_onnx(exported, path, (1, 3, 128, 128))
    other = attach_onnxruntime(build(DMDD_DEMO, seed=1), path)
    images = torch.randn(1, 3, 128, 128)

    def samples():
        return [
            SegDataSample(
                metainfo=dict(img_shape=(120, 128), ori_shape=(90, 96)))
        ]

    with torch.no_grad():
        ref = exported.predict(images, samples())[0]
        got = other.predict(images, samples())[0]
    assert got.pred_anomaly_map.data.shape == (1, 90, 96)
    torch.testing.assert_close(
        got.pred_anomaly_map.data,
        ref.pred_anomaly_map.data,
        rtol=0,
        atol=1e-4)
    torch.testing.assert_close(
        got.pred_score, ref.pred_score, atol=1e-4, rtol=0)


@pytest.mark.parametrize('family', list(DETECTORS))
def test_detector_predictions_through_onnxruntime(family, tmp_path):
    config = DETECTORS[family]
    # Random weights score about 0.01: keep every box up to 20 an image.
    exported = build(config, seed=0, score_thr=0.0, max_per_img=20)
    path = str(tmp_path / f'{family}.onnx')
    metadata = export_onnx(exported, path, (1, 3, 128, 128))
    assert metadata['mmext_task'] == 'detection'
    assert standard_domains(path) <= {'', 'ai.onnx'}
    inputs, samples = detector_batch(exported)
    with torch.no_grad():
        ref_raw = export_graph(exported)[0](inputs)
    raw = OnnxRuntimeNetwork(path)(inputs)
    assert len(raw) == len(ref_raw)
    for got, ref in zip(raw, ref_raw):
        torch.testing.assert_close(got, ref, rtol=0, atol=1e-4)

    other = attach_onnxruntime(
        build(config, seed=1, score_thr=0.0, max_per_img=20), path)
    with torch.no_grad():
        ref = exported.predict(inputs, [s.clone() for s in samples])[0]
        got = other.predict(inputs, [s.clone() for s in samples])[0]
    ref, got = ref.pred_instances, got.pred_instances
    assert len(got) == len(ref) == 20
    assert torch.equal(got.labels, ref.labels)
    torch.testing.assert_close(got.bboxes, ref.bboxes, rtol=0, atol=1e-3)
    torch.testing.assert_close(got.scores, ref.scores, rtol=0, atol=1e-4)


def test_a_graph_frozen_at_its_shape_refuses_another(tmp_path):
    """RCNet resamples between levels with sizes computed in Python: its
    graph records the one shape it runs at, and says so."""
    path = str(tmp_path / 'rcnet.onnx')
    metadata = export_onnx(build(DETECTORS['rcnet']), path, (1, 3, 128, 128))
    assert metadata['mmext_input_shape'] == '1x3x128x128'
    with pytest.raises(ValueError, match='runs on inputs of 1x3x128x128'):
        OnnxRuntimeNetwork(path)(torch.randn(1, 3, 160, 128))


def test_what_cannot_be_exported_or_run_is_refused(tmp_path):
    faster_rcnn = build('configs/ssd_det/faster-rcnn_r18_fpn_500it_demo-'
                        'noise40.py')
    with pytest.raises(TypeError, match='FasterRCNN is neither'):
        export_onnx(faster_rcnn, str(tmp_path / 'frcnn.onnx'))
    assert not (tmp_path / 'frcnn.onnx').exists()

    dmdd_path = str(tmp_path / 'dmdd.onnx')
    export_onnx(build(DMDD_DEMO), dmdd_path, (1, 3, 64, 64))
    with pytest.raises(FileExistsError, match='--overwrite'):
        export_onnx(build(DMDD_DEMO), dmdd_path, (1, 3, 64, 64))
    with pytest.raises(
            ValueError, match='holds an anomaly model; ATSS needs a detector'):
        attach_onnxruntime(build(DETECTORS['atss']), dmdd_path)

    plain = str(tmp_path / 'plain.onnx')
    torch.onnx.export(
        torch.nn.Conv2d(3, 1, 1), (torch.zeros(1, 3, 8, 8), ),
        plain,
        dynamo=False,
        input_names=['images'])
    with pytest.raises(ValueError, match='was not exported by mmext'):
        OnnxRuntimeNetwork(plain)
    with pytest.raises(FileNotFoundError, match='ONNX file not found'):
        OnnxRuntimeNetwork(str(tmp_path / 'missing.onnx'))


def test_export_tool_from_a_checkpoint(tmp_path):
    model = build(DETECTORS['atss'])
    checkpoint = str(tmp_path / 'atss.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    out = str(tmp_path / 'atss.onnx')
    proc = run_tool('tools/deployment/export_onnx.py', DETECTORS['atss'],
                    checkpoint, out, '--shape', '1', '128', '128')
    assert f'wrote {out} (detection, inputs: dynamic batch and size)' in \
        proc.stdout
    inputs, _ = detector_batch(model)
    with torch.no_grad():
        ref = export_graph(model)[0](inputs)
    for got, expected in zip(OnnxRuntimeNetwork(out)(inputs), ref):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-4)
    proc = run_tool(
        'tools/deployment/export_onnx.py',
        DETECTORS['atss'],
        checkpoint,
        out,
        check=False)
    assert proc.returncode != 0 and "--overwrite" in proc.stderr


def test_image_demo_runs_an_exported_detector(demo_data_root, tmp_path):
    """demo/image_demo.py with --onnx and no checkpoint: the network runs in
    ONNX Runtime, the config gives the pipeline and the post-processing."""
    path = str(tmp_path / 'atss.onnx')
    export_onnx(build(DETECTORS['atss']), path, (1, 3, 128, 128))
    out_dir = tmp_path / 'outputs'
    proc = run_tool('demo/image_demo.py', osp.join(demo_data_root, 'val'),
                    DETECTORS['atss'], '--onnx', path, '--out-dir',
                    str(out_dir), '--pred-score-thr', '0', '--device', 'cpu')
    assert 'detections >= 0.0 in 8 images' in proc.stdout
    assert len(list((out_dir / 'preds').iterdir())) == 8
    stderr = run_tool(
        'demo/image_demo.py',
        osp.join(demo_data_root, 'val'),
        DETECTORS['atss'],
        '--out-dir',
        str(tmp_path / 'none'),
        check=False).stderr
    assert 'give --weights (a checkpoint) or --onnx' in stderr

"""ONNX export (standard operators only) and ONNX Runtime inference against
the PyTorch models, for DMDD, the single-stage and two-stage detector
families and the teacher-student wrappers."""
import os
import os.path as osp

import onnx
import pytest
import torch
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmseg.structures import SegDataSample

from mmext.deployment import (OnnxRuntimeNetwork, attach_onnxruntime,
                              export_onnx)
from mmext.deployment.model_loading import without_pretrained_backbones
from mmext.deployment.onnx_export import export_graph
from mmext.deployment.parity import detection_differences, within_tolerance
from mmext.registry import MODELS
from mmext.testing import REPO_ROOT, run_tool, tool_error
from mmext.utils import register_all_modules

pytestmark = pytest.mark.slow

DMDD_DEMO = 'configs/dmdd/dmdd_r18_800it_demo-brick.py'
DETECTORS = {
    'atss': 'configs/demo/atss_r18_fpn_10e_demo.py',
    'rcnet': 'configs/rcnet/atss_r18_rcnet_10e_demo.py',
    'tood': 'configs/tood/tood_r18_fpn_10e_demo.py',
}
TWO_STAGE = {
    'ssd_det': 'configs/ssd_det/faster-rcnn_r18_fpn_500it_demo-noise40.py',
    'rcnet': 'configs/rcnet/faster-rcnn_r50_rcnet_1x_coco.py',
}
MIXTEACHER_DEMO = ('configs/mixteacher/mixteacher_faster-rcnn_r18_fpn_500it_'
                   'demo-semi-0.1.py')


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
    # 160x256: the top levels are 5x8 and 3x4, sizes that do not divide
    metadata = export_onnx(exported, path, (1, 3, 160, 256))
    assert metadata['mmext_task'] == 'detection'
    assert standard_domains(path) <= {'', 'ai.onnx'}
    inputs, samples = detector_batch(exported, size=(160, 256))
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
    ssd_det = build('configs/ssd_det/ssd-det_r18_fpn_500it_demo-noise40.py')
    with pytest.raises(TypeError, match='SSDDet refines the annotated boxes'):
        export_onnx(ssd_det, str(tmp_path / 'ssd.onnx'))
    assert not (tmp_path / 'ssd.onnx').exists()
    faster_rcnn = build(TWO_STAGE['ssd_det'])
    faster_rcnn.roi_head.bbox_roi_extractor.roi_layers[0].pool_mode = 'max'
    with pytest.raises(TypeError, match="pool_mode='max' has no standard"):
        export_onnx(faster_rcnn, str(tmp_path / 'frcnn.onnx'))
    assert list(tmp_path.iterdir()) == []

    dmdd_path = str(tmp_path / 'dmdd.onnx')
    export_onnx(build(DMDD_DEMO), dmdd_path, (1, 3, 64, 64))
    with pytest.raises(FileExistsError, match='--overwrite'):
        export_onnx(build(DMDD_DEMO), dmdd_path, (1, 3, 64, 64))
    with pytest.raises(
            ValueError, match='an anomaly model; ATSS needs a detection'):
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


def test_teacher_student_wrapper_exports_the_model_it_predicts_with(tmp_path):
    """Calibrated Teacher predicts with its teacher, a RetinaNet with the
    Focal IoU head: that is what is exported and what ONNX Runtime runs."""
    config = ('configs/calibrated_teacher/calibrated-teacher_retinanet_r18_'
              'fpn_400it_demo-sparse-extreme.py')
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    without_pretrained_backbones(cfg.model)
    cfg.model.detector.test_cfg.update(score_thr=0.0, max_per_img=20)
    torch.manual_seed(0)
    exported = MODELS.build(cfg.model).eval()
    path = str(tmp_path / 'ct.onnx')
    metadata = export_onnx(exported, path, (1, 3, 128, 128))
    assert metadata['mmext_task'] == 'detection'
    torch.manual_seed(1)
    other = attach_onnxruntime(MODELS.build(cfg.model).eval(), path)
    inputs, samples = detector_batch(exported.teacher)
    with torch.no_grad():
        ref = exported.predict(inputs, [s.clone() for s in samples])[0]
        got = other.predict(inputs, [s.clone() for s in samples])[0]
    torch.testing.assert_close(
        got.pred_instances.bboxes,
        ref.pred_instances.bboxes,
        atol=1e-3,
        rtol=0)
    torch.testing.assert_close(
        got.pred_instances.scores,
        ref.pred_instances.scores,
        atol=1e-4,
        rtol=0)


def assert_same_detections(got, ref, count=None) -> None:
    got, ref = got.pred_instances, ref.pred_instances
    if count is not None:
        assert len(got) == len(ref) == count
    assert torch.equal(got.labels, ref.labels)
    torch.testing.assert_close(got.bboxes, ref.bboxes, rtol=0, atol=1e-3)
    torch.testing.assert_close(got.scores, ref.scores, rtol=0, atol=1e-4)


def spread_rpn_scores(model, max_per_img: int) -> None:
    """Random RPN weights score every anchor about alike, so that tiny
    differences reorder near-ties; larger weights spread the scores. Random
    box heads score about 1 / classes: every box up to ``max_per_img``."""
    model.roi_head.test_cfg.update(score_thr=0.0, max_per_img=max_per_img)
    torch.manual_seed(2)
    torch.nn.init.normal_(model.rpn_head.rpn_cls.weight, std=1.0)


@pytest.mark.parametrize('family', list(TWO_STAGE))
def test_two_stage_detector_through_onnxruntime(family, tmp_path):
    """Faster R-CNN: the pyramid and RPN in one graph, the RoI head (ONNX's
    RoiAlign) in a second; proposals and boxes decoded beside them by
    mmdet's heads give the PyTorch model's detections."""
    config = TWO_STAGE[family]
    exported = build(config, seed=0)
    spread_rpn_scores(exported, max_per_img=30)
    path = str(tmp_path / f'{family}.onnx')
    size = (1, 3, 160, 192)
    metadata = export_onnx(exported, path, size)
    assert metadata['mmext_task'] == 'two-stage detection'
    assert metadata['mmext_roi_head_file'] == f'{family}.roi_head.onnx'
    roi_file = str(tmp_path / f'{family}.roi_head.onnx')
    for onnx_file in (path, roi_file):
        assert standard_domains(onnx_file) <= {'', 'ai.onnx'}
    assert 'RoiAlign' in {n.op_type for n in onnx.load(roi_file).graph.node}

    other = build(config, seed=1)
    other.roi_head.test_cfg.update(score_thr=0.0, max_per_img=30)
    attach_onnxruntime(other, path)
    inputs, samples = detector_batch(exported, size=size[2:])
    with torch.no_grad():
        ref = exported.predict(inputs, [s.clone() for s in samples])[0]
        got = other.predict(inputs, [s.clone() for s in samples])[0]
    assert_same_detections(got, ref, count=30)


def test_two_stage_graphs_are_dynamic_where_the_model_allows(tmp_path):
    """Faster R-CNN with FPN: another batch size and image size than the
    export's; the RoI head's graph takes any number of RoIs."""
    exported = build(TWO_STAGE['ssd_det'], seed=0)
    spread_rpn_scores(exported, max_per_img=10)
    path = str(tmp_path / 'frcnn.onnx')
    assert 'mmext_input_shape' not in export_onnx(exported, path,
                                                  (1, 3, 128, 128))
    attach_onnxruntime(exported, path)
    reference = build(TWO_STAGE['ssd_det'], seed=0)
    spread_rpn_scores(reference, max_per_img=10)
    inputs, samples = detector_batch(reference, size=(160, 224), num=2)
    with torch.no_grad():
        refs = reference.predict(inputs, [s.clone() for s in samples])
        gots = exported.predict(inputs, [s.clone() for s in samples])
    for got, ref in zip(gots, refs):
        assert_same_detections(got, ref, count=10)


def test_mixteacher_exports_its_mixed_scale_teacher(tmp_path):
    """MixTeacher predicts with its teacher on the mixed-scale pyramid: the
    graph holds both pyramids and the fusion."""
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, MIXTEACHER_DEMO))
    without_pretrained_backbones(cfg.model)
    torch.manual_seed(0)
    exported = MODELS.build(cfg.model).eval()
    assert exported.teacher.test_scale == 'mixed'
    spread_rpn_scores(exported.teacher, max_per_img=20)
    path = str(tmp_path / 'mixteacher.onnx')
    metadata = export_onnx(exported, path, (1, 3, 128, 128))
    assert metadata['mmext_task'] == 'two-stage detection'
    torch.manual_seed(1)
    other = attach_onnxruntime(MODELS.build(cfg.model).eval(), path)
    other.teacher.roi_head.test_cfg.update(score_thr=0.0, max_per_img=20)
    inputs, samples = detector_batch(exported.teacher)
    with torch.no_grad():
        ref = exported.predict(inputs, [s.clone() for s in samples])[0]
        got = other.predict(inputs, [s.clone() for s in samples])[0]
    assert_same_detections(got, ref, count=20)


def test_roi_head_graph_equals_mmdets_box_branch(tmp_path):
    """The RoI head's graph (ONNX's RoiAlign, RoIs written back to their
    rows) against mmdet's ``_bbox_forward``: RoIs on every level, RoIs
    that leave levels empty, and no RoI at all."""
    model = build(TWO_STAGE['ssd_det'], seed=0)
    path = str(tmp_path / 'frcnn.onnx')
    export_onnx(model, path, (1, 3, 128, 128))
    roi_head = OnnxRuntimeNetwork(str(tmp_path / 'frcnn.roi_head.onnx'))
    channels = model.neck.out_channels
    feats = tuple(
        torch.randn(2, channels, 64 // 2**i, 80 // 2**i) for i in range(5))
    torch.manual_seed(3)
    corners = torch.rand(300, 2) * 100
    sizes = torch.rand(300, 2) * 600 + 2
    rois = torch.cat(
        [(torch.arange(300) % 2)[:, None].float(), corners, corners + sizes],
        1)
    small = rois[(sizes < 50).all(1)]  # level 0 only
    levels = model.roi_head.bbox_roi_extractor.map_roi_levels(rois, 4)
    assert set(levels.tolist()) == {0, 1, 2, 3}
    for case in (rois, small, rois[:0]):
        with torch.no_grad():
            ref = model.roi_head._bbox_forward(feats, case)
        cls_score, bbox_pred = roi_head(*feats[:4], case)
        torch.testing.assert_close(
            cls_score, ref['cls_score'], rtol=0, atol=1e-5)
        torch.testing.assert_close(
            bbox_pred, ref['bbox_pred'], rtol=0, atol=1e-5)


def test_parity_tool_compares_image_by_image():
    proc = run_tool('tools/deployment/check_onnx_parity.py', DETECTORS['atss'],
                    '--shape', '2', '128', '160', '--score-thr', '0')
    assert proc.stdout.count('matched 100') == 2, proc.stdout
    assert '2 of 2 images within tolerance' in proc.stdout


def test_parity_tool_on_image_files(demo_data_root, demo_ad_root, tmp_path):
    """--images: the files through the config's test pipeline and data
    preprocessor, one export per padded shape (TOOD's graph runs only the
    shape it was exported at), reported in the files' order."""
    tool = 'tools/deployment/check_onnx_parity.py'
    val = osp.join(demo_data_root, 'val')
    files = sorted(os.listdir(val))
    proc = run_tool(tool, DETECTORS['tood'], '--images', val, '--score-thr',
                    '0')
    lines = [line for line in proc.stdout.splitlines() if ': network' in line]
    assert [osp.basename(line.split(':')[0]) for line in lines] == files
    assert all(line.endswith(': ok') for line in lines)
    assert f'{len(files)} of {len(files)} images within tolerance' in \
        proc.stdout
    good = osp.join(demo_ad_root, 'brick', 'test', 'good')
    image = osp.join(good, sorted(os.listdir(good))[0])
    proc = run_tool(tool, DMDD_DEMO, '--images', image)
    assert 'map ' in proc.stdout and '1 of 1 images within tolerance' in \
        proc.stdout
    assert 'not found' in tool_error(tool, DMDD_DEMO, '--images',
                                     str(tmp_path / 'nothing.png'))
    assert 'holds no image' in tool_error(tool, DMDD_DEMO, '--images',
                                          str(tmp_path))
    assert 'not both' in tool_error(tool, DMDD_DEMO, '--images', image,
                                    '--shape', '1', '64', '64')


def test_parity_differences_against_the_tolerances():

    def detections(boxes, scores, labels):
        return InstanceData(
            bboxes=torch.tensor(boxes),
            scores=torch.tensor(scores),
            labels=torch.tensor(labels))

    ref = detections([[0., 0., 10., 10.], [5., 5., 20., 20.]], [0.5, 0.5],
                     [1, 2])
    # the same detections, in another order, within the tolerances
    close = detections([[5., 5., 20., 20.], [0., 0., 10.0005, 10.]],
                       [0.5, 0.50005], [2, 1])
    difference = detection_differences(close, ref)
    assert difference['matched'] == 2 and within_tolerance(difference)
    assert difference['box'] == pytest.approx(0.0005, abs=1e-6)
    far = detections([[0., 0., 10.01, 10.], [5., 5., 20., 20.]], [0.5, 0.5],
                     [1, 2])
    assert detection_differences(far, ref)['matched'] == 1
    assert not within_tolerance(detection_differences(far, ref))
    relabelled = detections([[0., 0., 10., 10.], [5., 5., 20., 20.]],
                            [0.5, 0.5], [2, 2])
    assert not within_tolerance(detection_differences(relabelled, ref))
    fewer = detection_differences(ref[:1], ref)
    assert (fewer['count'], fewer['onnx_count']) == (2, 1)
    assert not within_tolerance(fewer)
    assert within_tolerance(detection_differences(ref[:0], ref[:0]))
    assert not within_tolerance(dict(map=2e-4, score=0.))
    assert within_tolerance(dict(network=1e-6, map=0., score=0.))
    assert not within_tolerance(dict(difference, network=1e-3))


def test_openvino_runs_the_exported_anomaly_model(tmp_path):
    """OpenVINO compiles the same .onnx file: DMDD's maps and scores (and
    its predictions through attach_onnxruntime) as PyTorch's."""
    pytest.importorskip('openvino')
    from mmext.deployment import OpenVINONetwork
    model = build(DMDD_DEMO)
    path = str(tmp_path / 'dmdd.onnx')
    export_onnx(model, path, (1, 3, 128, 128))
    images = torch.randn(2, 3, 160, 128)
    maps, scores = OpenVINONetwork(path)(images)
    with torch.no_grad():
        ref_maps, ref_scores = model.anomaly_maps_and_scores(images)
    torch.testing.assert_close(maps, ref_maps, rtol=0, atol=1e-4)
    torch.testing.assert_close(scores, ref_scores, rtol=0, atol=1e-4)

    other = attach_onnxruntime(build(DMDD_DEMO, seed=1), path, 'openvino')
    sample = SegDataSample(
        metainfo=dict(img_shape=(128, 128), ori_shape=(100, 90)))
    with torch.no_grad():
        ref = model.predict(images[:1, :, :128], [sample.clone()])[0]
        got = other.predict(images[:1, :, :128], [sample.clone()])[0]
    torch.testing.assert_close(
        got.pred_anomaly_map.data,
        ref.pred_anomaly_map.data,
        rtol=0,
        atol=1e-4)
    with pytest.raises(ValueError, match="backend must be one of"):
        attach_onnxruntime(model, path, 'tensorrt')

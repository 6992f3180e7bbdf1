"""AnomalyInferencer on the DMDD demo config with a saved checkpoint:
predictions equal the model's own on the same inputs, folders / arrays /
videos in, panels and prediction files out, clear errors."""
import json

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.structures import SegDataSample

from mmext.apis import AnomalyInferencer
from mmext.registry import MODELS

CONFIG = 'configs/dmdd/dmdd_r18_800it_demo-brick.py'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """The demo DMDD with its weights perturbed (so the maps are not flat),
    saved as a runner would."""
    init_default_scope('mmext')
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    torch.manual_seed(0)
    with torch.no_grad():
        for param in model.seg_head.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    path = tmp_path_factory.mktemp('dmdd') / 'dmdd.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path), model.eval()


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('images')
    rng = np.random.RandomState(0)
    for name, (h, w) in (('a', (96, 120)), ('b', (128, 128))):
        cv2.imwrite(
            str(folder / f'{name}.png'),
            rng.randint(0, 255, (h, w, 3), np.uint8))
    (folder / 'notes.txt').write_text('not an image')
    return folder


def reference(model, image_bgr):
    """The model's prediction on the image prepared by hand as the demo's
    test pipeline does (resize to 128 x 128, no mask)."""
    resized = cv2.resize(image_bgr, (128, 128), interpolation=cv2.INTER_LINEAR)
    sample = SegDataSample(
        metainfo=dict(img_shape=(128, 128), ori_shape=image_bgr.shape[:2]))
    inputs = torch.from_numpy(resized).permute(2, 0, 1)
    with torch.no_grad():
        return model.test_step(dict(inputs=[inputs], data_samples=[sample]))[0]


def test_folder_in_predictions_and_files_out(checkpoint, images, tmp_path):
    path, model = checkpoint
    inferencer = AnomalyInferencer(
        CONFIG, path, device='cpu', show_progress=False)
    result = inferencer(
        str(images), batch_size=2, out_dir=str(tmp_path), threshold=0.5)
    predictions = result['predictions']
    assert [p['img_path'].split('/')[-1]
            for p in predictions] == ['a.png', 'b.png']
    for prediction in predictions:
        image = cv2.imread(prediction['img_path'])
        expected = reference(model, image)
        anomaly_map = prediction['anomaly_map']
        assert anomaly_map.shape == image.shape[:2]
        np.testing.assert_allclose(
            anomaly_map, expected.pred_anomaly_map.data[0].numpy(), atol=1e-5)
        assert prediction['pred_score'] == pytest.approx(
            float(expected.pred_score), abs=1e-5)
        assert 0.5 < anomaly_map.max()  # the threshold cuts the map
        assert (prediction['pred_mask'] == (anomaly_map >= 0.5)).all()
        assert prediction['is_anomalous'] == (prediction['pred_score'] >= 0.5)
        stem = prediction['img_path'].split('/')[-1][:-4]
        saved = json.loads((tmp_path / 'preds' / f'{stem}.json').read_text())
        assert saved['pred_score'] == pytest.approx(prediction['pred_score'])
        assert saved['threshold'] == 0.5
        np.testing.assert_array_equal(
            np.load(tmp_path / 'preds' / f'{stem}.npy'), anomaly_map)
        panel = cv2.imread(str(tmp_path / 'vis' / f'{stem}.png'))
        h, w = image.shape[:2]
        # title and legend strips (the predicted mask is outlined)
        assert panel.shape == (h + 2 * max(14, h // 8),
                               3 * w + max(24, w // 5), 3)


@pytest.mark.slow
def test_arrays_and_videos_in(checkpoint, images, tmp_path):
    path, model = checkpoint
    inferencer = AnomalyInferencer(
        CONFIG, path, device='cpu', show_progress=False)
    frame = cv2.imread(str(images / 'b.png'))
    video = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (128, 128))
    for _ in range(3):
        writer.write(frame)
    writer.release()
    result = inferencer([frame, video],
                        return_datasamples=True,
                        return_vis=True)
    samples = result['predictions']
    assert len(samples) == 4 and len(result['visualization']) == 4
    expected = reference(model, frame)
    assert float(samples[0].pred_score) == pytest.approx(
        float(expected.pred_score), abs=1e-5)
    assert all(s.pred_anomaly_map.shape == (128, 128) for s in samples)
    assert 'pred_sem_seg' not in samples[0]  # no threshold, no mask


def test_clear_errors(checkpoint, tmp_path):
    path, _ = checkpoint
    inferencer = AnomalyInferencer(
        CONFIG, path, device='cpu', show_progress=False)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inferencer(str(tmp_path / 'missing.png'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no image'):
        inferencer(str(tmp_path / 'empty'))
    cfg = Config.fromfile(CONFIG)
    cfg.visualizer = dict(type='mmdet.DetLocalVisualizer', name='det_vis')
    with pytest.raises(TypeError, match='AnomalyLocalVisualizer'):
        AnomalyInferencer(cfg, path, device='cpu')

"""Perlin noise, anomaly synthesis, mask loading and packing."""
import cv2
import numpy as np
import pytest

from mmext.datasets import (LoadAnomalyMask, PackAnomalyInputs,
                            SynthesizeAnomaly, perlin_noise,
                            procedural_texture)


def test_perlin_noise_is_smooth_bounded_and_seeded():
    noise = perlin_noise((64, 96), (4, 8), np.random.default_rng(0))
    assert noise.shape == (64, 96) and noise.dtype == np.float32
    assert np.abs(noise).max() <= np.sqrt(2) / 2 * np.sqrt(2) + 1e-5
    # Zero at every lattice point (the gradients' offsets are 0 there).
    assert np.allclose(noise[::16, ::12], 0, atol=1e-6)
    # Smooth: neighbours differ far less than shuffled pixels do.
    shuffled = np.random.default_rng(1).permutation(noise.ravel())
    assert (np.abs(np.diff(noise, axis=1)).mean()
            < 0.2 * np.abs(np.diff(shuffled)).mean())
    again = perlin_noise((64, 96), (4, 8), np.random.default_rng(0))
    assert np.array_equal(noise, again)
    with pytest.raises(ValueError, match='periods'):
        perlin_noise((8, 8), (0, 1), np.random.default_rng(0))


def test_procedural_textures_are_images():
    rng = np.random.default_rng(0)
    for _ in range(6):
        texture = procedural_texture((40, 30), rng)
        assert texture.shape == (40, 30, 3) and texture.dtype == np.uint8
        assert texture.std() > 0


def _image():
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)


def test_synthesis_keeps_outside_and_fills_inside(tmp_path):
    texture = np.zeros((10, 10, 3), np.uint8)
    texture[:] = (10, 200, 30)
    cv2.imwrite(str(tmp_path / 'flat.png'), texture)
    # beta 0: the mask's inside is the texture exactly.
    synth = SynthesizeAnomaly(texture_dir=str(tmp_path), beta_range=(0, 0))
    np.random.seed(0)
    image = _image()
    covered = 0
    for _ in range(20):
        out = synth(dict(img=image.copy()))
        mask = out['gt_seg_map'].astype(bool)
        assert out['gt_seg_map'].dtype == np.uint8
        assert set(np.unique(out['gt_seg_map'])) <= {0, 1}
        assert np.array_equal(out['normal_img'], image)
        assert np.array_equal(out['img'][~mask], image[~mask])
        assert (out['img'][mask] == (10, 200, 30)).all()
        assert 'gt_seg_map' in out['seg_fields']
        covered += mask.mean()
    # DRAEM's masks cover a few percent of the image on average.
    assert 0.01 < covered / 20 < 0.3


def test_synthesis_without_anomaly_and_with_builtin_textures():
    np.random.seed(0)
    image = _image()
    out = SynthesizeAnomaly(prob=0.0)(dict(img=image.copy()))
    assert np.array_equal(out['img'], image)
    assert not out['gt_seg_map'].any()
    out = SynthesizeAnomaly()(dict(img=image.copy()))
    changed = (out['img'] != image).any(-1)
    assert not changed[out['gt_seg_map'] == 0].any()


def test_synthesis_is_seeded_by_numpy():
    results = []
    for _ in range(2):
        np.random.seed(3)
        results.append(SynthesizeAnomaly()(dict(img=_image()))['img'])
    assert np.array_equal(*results)


def test_synthesis_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='holds no image'):
        SynthesizeAnomaly(texture_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match='not a directory.*None'):
        SynthesizeAnomaly(texture_dir=str(tmp_path / 'dtd'))
    with pytest.raises(ValueError, match='prob'):
        SynthesizeAnomaly(prob=2)
    with pytest.raises(ValueError, match='perlin_scale'):
        SynthesizeAnomaly(perlin_scale=(3, 3))


def test_load_anomaly_mask(tmp_path):
    normal = LoadAnomalyMask()(dict(ori_shape=(5, 7), seg_map_path=None))
    assert normal['gt_seg_map'].shape == (5, 7)
    assert not normal['gt_seg_map'].any()
    mask = np.zeros((5, 7), np.uint8)
    mask[1:3, 2:4] = 255
    cv2.imwrite(str(tmp_path / 'm.png'), mask)
    out = LoadAnomalyMask()(
        dict(ori_shape=(5, 7), seg_map_path=str(tmp_path / 'm.png')))
    assert np.array_equal(out['gt_seg_map'], mask // 255)
    with pytest.raises(ValueError, match='7x5, its image'):
        LoadAnomalyMask()(
            dict(
                ori_shape=(7, 5),
                seg_map_path=str(tmp_path / 'm.png'),
                img_path='x.png'))


def test_pack_anomaly_inputs_keeps_the_pair():
    np.random.seed(0)
    out = SynthesizeAnomaly()(dict(img=_image()))
    out.update(anomaly_label=0, category='c', defect_type='good')
    packed = PackAnomalyInputs()(out)
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 64, 64)
    assert sample.normal_img.data.shape == (3, 64, 64)
    assert np.array_equal(
        sample.normal_img.data.permute(1, 2, 0).numpy(), out['normal_img'])
    assert sample.gt_sem_seg.data.shape == (1, 64, 64)
    assert sample.anomaly_label == 0 and sample.category == 'c'

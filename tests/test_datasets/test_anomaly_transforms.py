"""Perlin noise, anomaly synthesis, DeSTSeg's rotations, mask loading and
packing."""
import cv2
import numpy as np
import pytest

from mmext.datasets import (LoadAnomalyMask, PackAnomalyInputs,
                            RandomImageRotation, SynthesizeAnomaly,
                            perlin_noise, procedural_texture)


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


def test_load_anomaly_mask_resized_as_destseg(tmp_path):
    # DeSTSeg resizes the 0/1 mask bilinearly with antialiasing and keeps
    # >= 0.5; PIL's bilinear resize of the float mask is the same filter.
    from PIL import Image
    rng = np.random.RandomState(0)
    mask = np.zeros((90, 70), np.uint8)
    for _ in range(6):
        y, x = rng.randint(0, 80), rng.randint(0, 60)
        mask[y:y + rng.randint(2, 12), x:x + rng.randint(2, 12)] = 255
    cv2.imwrite(str(tmp_path / 'm.png'), mask)
    out = LoadAnomalyMask(scale=(32, 40))(
        dict(ori_shape=(90, 70), seg_map_path=str(tmp_path / 'm.png')))
    reference = np.asarray(
        Image.fromarray((mask > 0).astype(np.float32)).resize(
            (32, 40), Image.BILINEAR)) >= 0.5
    assert out['gt_seg_map'].shape == (40, 32)
    assert out['gt_seg_map'].any()
    np.testing.assert_array_equal(out['gt_seg_map'], reference)
    normal = LoadAnomalyMask(scale=(32, 40))(
        dict(ori_shape=(90, 70), seg_map_path=None))
    assert normal['gt_seg_map'].shape == (40, 32)
    assert not normal['gt_seg_map'].any()


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


def test_right_angle_rotation_is_exact_and_counter_clockwise():
    image = np.random.RandomState(0).randint(0, 255, (32, 32, 3), np.uint8)
    transform = RandomImageRotation(right_angles=True)
    seen = set()
    for seed in range(12):
        np.random.seed(seed)
        results = transform.transform(dict(img=image.copy()))
        turns = int(results['rotation_angle'] // 90)
        seen.add(turns)
        np.testing.assert_array_equal(results['img'], np.rot90(image, turns))
    assert seen == {0, 1, 2, 3}


def test_rotation_is_pils_and_fills_the_corners():
    from PIL import Image
    image = np.full((40, 40, 3), 200, np.uint8)
    image[10:20, 5:30] = (10, 60, 250)
    transform = RandomImageRotation(max_degree=45)
    for seed in range(6):
        np.random.seed(seed)
        results = transform.transform(dict(img=image.copy()))
        angle = results['rotation_angle']
        assert 0 < abs(angle) <= 45
        expected = Image.fromarray(image).rotate(
            angle, resample=Image.BILINEAR, fillcolor=(114, 114, 114))
        np.testing.assert_array_equal(results['img'], np.asarray(expected))
        if abs(angle) > 10:  # a corner uncovered: DeSTSeg's grey
            assert (results['img'][0, 0] == 114).all()
    np.random.seed(3)
    first = transform.transform(dict(img=image.copy()))['rotation_angle']
    np.random.seed(3)
    assert transform.transform(dict(img=image.copy()))['rotation_angle'] == (
        first)


def test_no_rotation_leaves_the_image_and_bad_degree_raises():
    image = np.random.RandomState(1).randint(0, 255, (8, 12, 3), np.uint8)
    results = RandomImageRotation().transform(dict(img=image.copy()))
    np.testing.assert_array_equal(results['img'], image)
    with pytest.raises(ValueError, match='max_degree'):
        RandomImageRotation(max_degree=-1)

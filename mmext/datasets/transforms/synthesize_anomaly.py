import os
import os.path as osp
from typing import List, Optional, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmext.registry import TRANSFORMS
from .perlin_noise import perlin_noise
from .procedural_texture import procedural_texture

TEXTURE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp')


def _texture_files(texture_dir: str) -> List[str]:
    if not osp.isdir(texture_dir):
        raise FileNotFoundError(
            f'texture_dir {texture_dir!r} is not a directory (DTD\'s images/ '
            'in the MVTec configs; texture_dir=None draws procedural '
            'textures instead)')
    files = sorted(
        osp.join(root, name) for root, _, names in os.walk(texture_dir)
        for name in names if name.lower().endswith(TEXTURE_EXTENSIONS))
    if not files:
        raise FileNotFoundError(
            f'texture_dir {texture_dir!r} holds no image '
            f'({", ".join(TEXTURE_EXTENSIONS)}), e.g. DTD\'s images/ folder')
    return files


@TRANSFORMS.register_module()
class SynthesizeAnomaly(BaseTransform):
    """Paste a foreign texture into a normal image through a Perlin-noise
    mask, giving a normal-anomaly image pair (DRAEM, Zavrtanik et al., ICCV
    2021; the pairs DeSTSeg and DMDD train on).

    The mask is Perlin noise with ``2**a x 2**b`` cells (``a, b`` uniform
    integers in ``perlin_scale``), rotated by a uniform angle in
    ``rotate_range`` and thresholded at ``threshold``. Inside it, the image
    becomes ``beta * image + (1 - beta) * texture`` with ``beta`` uniform in
    ``beta_range``. The texture is a random image of ``texture_dir`` (DTD in
    the papers), resized to the image, or, without one, a procedural texture
    (noise clouds, stripes, speckle) that needs no download. As in DeSTSeg
    the texture is not otherwise augmented.

    Sets ``img`` (the anomalous copy), ``normal_img`` (the input image) and
    ``gt_seg_map`` (the mask, 1 inside). With probability ``1 - prob`` the
    pair is the image twice and an empty mask; a Perlin mask can also come
    out empty, as in DRAEM.

    Args:
        texture_dir (str, optional): A folder searched recursively for
            texture images.
        prob (float): Chance of synthesising an anomaly. Defaults to 1.0
            (DeSTSeg).
        perlin_scale (tuple[int, int]): Half-open range of the cell-count
            exponents. Defaults to (0, 6).
        threshold (float): Noise threshold of the mask. Defaults to 0.5.
        beta_range (tuple[float, float]): Range of the image's share inside
            the mask. Defaults to (0, 0.8).
        rotate_range (tuple[float, float]): Range of the mask's rotation in
            degrees. Defaults to (-90, 90).
    """

    def __init__(
        self,
        texture_dir: Optional[str] = None,
        prob: float = 1.0,
        perlin_scale: Tuple[int, int] = (0, 6),
        threshold: float = 0.5,
        beta_range: Tuple[float, float] = (0.0, 0.8),
        rotate_range: Tuple[float, float] = (-90.0, 90.0)
    ) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if not 0 <= perlin_scale[0] < perlin_scale[1]:
            raise ValueError('perlin_scale must be a range (low, high) with '
                             f'0 <= low < high, got {perlin_scale}')
        self.textures = (
            _texture_files(texture_dir) if texture_dir is not None else None)
        self.prob = prob
        self.perlin_scale = perlin_scale
        self.threshold = threshold
        self.beta_range = beta_range
        self.rotate_range = rotate_range

    def perlin_mask(self, shape: Tuple[int, int],
                    rng: np.random.Generator) -> np.ndarray:
        """A binary ``(H, W)`` float32 mask of rotated, thresholded noise."""
        ay, ax = rng.integers(*self.perlin_scale, size=2)
        noise = perlin_noise(shape, (2**int(ay), 2**int(ax)), rng)
        h, w = shape
        rotation = cv2.getRotationMatrix2D((w / 2, h / 2),
                                           rng.uniform(*self.rotate_range), 1)
        noise = cv2.warpAffine(noise, rotation, (w, h), borderValue=0)
        return (noise > self.threshold).astype(np.float32)

    def texture(self, shape: Tuple[int, int],
                rng: np.random.Generator) -> np.ndarray:
        h, w = shape
        if self.textures is None:
            return procedural_texture(shape, rng)
        path = self.textures[int(rng.integers(len(self.textures)))]
        image = mmcv.imread(path, flag='color')
        if image is None:
            raise FileNotFoundError(f'cannot read texture {path!r}')
        return mmcv.imresize(image, (w, h))

    def transform(self, results: dict) -> dict:
        # Seeded by numpy's global state, which mmengine seeds per worker.
        rng = np.random.default_rng(np.random.randint(2**31))
        image = results['img']
        shape = image.shape[:2]
        mask = np.zeros(shape, dtype=np.float32)
        anomalous = image
        if rng.random() < self.prob:
            mask = self.perlin_mask(shape, rng)
            beta = rng.uniform(*self.beta_range)
            texture = self.texture(shape, rng).astype(np.float32)
            m = mask[..., None]
            blended = image * (1 - m) + m * (
                beta * image + (1 - beta) * texture)
            anomalous = np.clip(blended, 0, 255).astype(image.dtype)
        results['normal_img'] = image
        results['img'] = anomalous
        results['gt_seg_map'] = mask.astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

    def __repr__(self) -> str:
        source = (f'{len(self.textures)} textures'
                  if self.textures is not None else 'procedural textures')
        return (f'{self.__class__.__name__}({source}, prob={self.prob}, '
                f'perlin_scale={self.perlin_scale}, '
                f'threshold={self.threshold}, beta_range={self.beta_range})')

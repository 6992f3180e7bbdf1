from typing import Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image

from mmext.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomImageRotation(BaseTransform):
    """Rotate a training image about its centre, keeping its size: by a
    random multiple of 90 degrees (``right_angles``), then by a uniform angle
    in ``[-max_degree, max_degree]``, bilinearly, filling the uncovered
    corners with ``fill``.

    DeSTSeg's augmentation of normal training images before the synthetic
    anomalies (apple/ml-destseg@f6ea31f: data/mvtec_dataset.py:64-77, the
    categories' settings in train.py:194-227): no rotation for capsule,
    metal_nut, pill, toothbrush and transistor; up to 5 degrees for wood,
    zipper and cable; a right angle and up to 5 degrees for bottle, grid,
    hazelnut, leather, tile, carpet and screw. The turn is PIL's
    ``Image.rotate`` (counter-clockwise, bilinear), as theirs. Only ``img``
    is rotated: put it before the masks are made.

    Args:
        right_angles (bool): First turn by 0, 90, 180 or 270 degrees.
        max_degree (float): Largest further turn in degrees. Defaults to 0.
        fill (tuple[int, int, int]): Colour of the uncovered corners.
            Defaults to DeSTSeg's (114, 114, 114).
    """

    def __init__(
        self,
        right_angles: bool = False,
        max_degree: float = 0.,
        fill: Tuple[int, int, int] = (114, 114, 114)
    ) -> None:
        if max_degree < 0:
            raise ValueError('RandomImageRotation.max_degree must be >= 0, '
                             f'got {max_degree}')
        self.right_angles = right_angles
        self.max_degree = max_degree
        self.fill = tuple(fill)

    def angle(self, rng: np.random.Generator) -> float:
        """The turn in degrees, counter-clockwise."""
        angle = 90. * int(rng.integers(4)) if self.right_angles else 0.
        if self.max_degree > 0:
            angle += rng.uniform(-self.max_degree, self.max_degree)
        return angle

    def transform(self, results: dict) -> dict:
        # Seeded by numpy's global state, which mmengine seeds per worker.
        rng = np.random.default_rng(np.random.randint(2**31))
        angle = self.angle(rng)
        if angle != 0:
            image = Image.fromarray(results['img'])
            results['img'] = np.asarray(
                image.rotate(
                    angle, resample=Image.BILINEAR, fillcolor=self.fill))
        results['rotation_angle'] = angle
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(right_angles={self.right_angles}, '
                f'max_degree={self.max_degree}, fill={self.fill})')

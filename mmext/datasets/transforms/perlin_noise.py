"""2-D Perlin gradient noise (Perlin, SIGGRAPH 2002: quintic fade)."""
import math
from typing import Tuple

import numpy as np


def _fade(t: np.ndarray) -> np.ndarray:
    return t * t * t * (t * (t * 6 - 15) + 10)


def perlin_noise(shape: Tuple[int, int], periods: Tuple[int, int],
                 rng: np.random.Generator) -> np.ndarray:
    """Perlin noise with ``periods`` gradient cells along ``(H, W)``.

    Random unit gradients sit on a ``(py + 1) x (px + 1)`` lattice spread
    over the image; each pixel blends the dot products of its cell's corner
    gradients with its offsets to them. Values lie in about ``[-1, 1]``
    (scaled by sqrt(2), as DRAEM does, so that a 0.5 threshold cuts blobs).

    Args:
        shape (tuple[int, int]): ``(H, W)`` of the noise map.
        periods (tuple[int, int]): Lattice cells along H and W (>= 1).
        rng (np.random.Generator): The random source.

    Returns:
        np.ndarray: float32 noise of shape ``(H, W)``.
    """
    (h, w), (py, px) = shape, periods
    if py < 1 or px < 1:
        raise ValueError(f'periods must be >= 1, got {periods}')
    y = np.arange(h) * (py / h)
    x = np.arange(w) * (px / w)
    y0, x0 = y.astype(int), x.astype(int)
    fy, fx = (y - y0)[:, None], (x - x0)[None, :]
    angles = rng.uniform(0, 2 * math.pi, size=(py + 1, px + 1))
    gy, gx = np.sin(angles), np.cos(angles)

    def corner(dy: int, dx: int) -> np.ndarray:
        rows, cols = (y0 + dy)[:, None], (x0 + dx)[None, :]
        return gy[rows, cols] * (fy - dy) + gx[rows, cols] * (fx - dx)

    u, v = _fade(fy), _fade(fx)
    top = corner(0, 0) * (1 - v) + corner(0, 1) * v
    bottom = corner(1, 0) * (1 - v) + corner(1, 1) * v
    return (math.sqrt(2) * (top * (1 - u) + bottom * u)).astype(np.float32)

"""Textures drawn from noise, for anomaly synthesis without a texture set."""
import math
from typing import Tuple

import cv2
import numpy as np

from .perlin_noise import perlin_noise


def _colour(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0, 255, size=3)


def _cloud(shape: Tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Fractal Perlin noise (three octaves), per channel, between two
    random colours."""
    h, w = shape
    base = int(rng.integers(1, 5))
    noise = sum(
        perlin_noise(shape, (base * 2**o, base * 2**o), rng) / 2**o
        for o in range(3))
    t = np.clip(noise * 0.5 + 0.5, 0, 1)[..., None]
    return _colour(rng) * (1 - t) + _colour(rng) * t


def _stripes(shape: Tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Sine stripes at a random angle and frequency, between two colours."""
    h, w = shape
    angle = rng.uniform(0, math.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    phase = (xs * math.cos(angle) + ys * math.sin(angle)) * rng.uniform(
        0.1, 0.8)
    t = (np.sin(phase) * 0.5 + 0.5)[..., None]
    return _colour(rng) * (1 - t) + _colour(rng) * t


def _speckle(shape: Tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A flat colour with blurred Gaussian grain."""
    grain = rng.normal(0, rng.uniform(10, 60), size=(*shape, 3))
    grain = cv2.GaussianBlur(grain, (0, 0), rng.uniform(0.5, 2.0))
    return _colour(rng) + grain


TEXTURES = (_cloud, _stripes, _speckle)


def procedural_texture(shape: Tuple[int, int],
                       rng: np.random.Generator) -> np.ndarray:
    """A random ``(H, W, 3)`` uint8 texture: fractal noise clouds, stripes or
    speckle, in random colours."""
    make = TEXTURES[int(rng.integers(len(TEXTURES)))]
    return np.clip(make(shape, rng), 0, 255).astype(np.uint8)

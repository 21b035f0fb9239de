"""Offline stand-ins that ship inside installed packages (SPEC: used at quick scale only).

- ``digits``: scikit-learn's 1,797 handwritten 8x8 digits (values 0..16), bilinearly upsampled
  to 32x32 and scaled to 0..255; 10 classes.
- ``photos``: 32x32 patches cut at seeded random positions from ten of scikit-image's colour
  photos (each first reduced, antialiased, to a short side of 96 px); one class per photo.

Both are deterministic: they depend only on the settings, never on the global seed.
"""

from __future__ import annotations

import os

import numpy as np

from ganrepro.data.real import Splits

PHOTOS = (
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "motorcycle_left.png",
    "retina.jpg",
    "rocket.jpg",
    "logo.png",
    "color.png",
)
PHOTO_SHORT_SIDE = 96


def _split(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int) -> Splits:
    """A stratified split: the same share of every class goes to test."""
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test[idx[: int(round(test_fraction * len(idx)))]] = True
    return {"train": (x[~test], y[~test]), "test": (x[test], y[test])}


def make_digits(test_fraction: float) -> Splits:
    from skimage.transform import resize
    from sklearn.datasets import load_digits

    bunch = load_digits()
    imgs = bunch.images / 16.0  # (N, 8, 8) in [0, 1]
    up = np.stack([resize(im, (32, 32), order=1, mode="edge", anti_aliasing=False) for im in imgs])
    x = np.clip(np.floor(up * 255 + 0.5), 0, 255).astype(np.uint8)[:, None]
    return _split(x, bunch.target.astype(np.int64), test_fraction, seed=0)


def load_photo(name: str, short_side: int = PHOTO_SHORT_SIDE) -> np.ndarray:
    """One of scikit-image's photos as (H, W, 3) uint8, reduced (antialiased) to ``short_side``."""
    import skimage
    from skimage.io import imread
    from skimage.transform import rescale

    im = imread(os.path.join(os.path.dirname(skimage.__file__), "data", name))
    if im.shape[-1] == 4:  # composite RGBA on white
        alpha = im[..., 3:4] / 255.0
        im = im[..., :3] * alpha + 255 * (1 - alpha)
    scale = short_side / min(im.shape[:2])
    small = rescale(im[..., :3] / 255.0, scale, order=1, anti_aliasing=True, channel_axis=-1)
    return np.clip(np.floor(small * 255 + 0.5), 0, 255).astype(np.uint8)


def make_photos(per_class: int, test_fraction: float) -> Splits:
    xs, ys = [], []
    for label, name in enumerate(PHOTOS):
        im = load_photo(name)
        h, w, _ = im.shape
        rng = np.random.default_rng(label)
        top = rng.integers(0, h - 32 + 1, per_class)
        left = rng.integers(0, w - 32 + 1, per_class)
        patches = np.stack([im[t : t + 32, s : s + 32] for t, s in zip(top, left, strict=True)])
        xs.append(patches.transpose(0, 3, 1, 2))
        ys.append(np.full(per_class, label, dtype=np.int64))
    return _split(np.concatenate(xs), np.concatenate(ys), test_fraction, seed=0)

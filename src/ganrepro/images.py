"""Image grids as numpy arrays (no torch, no matplotlib): the training grids and the figures
tile images the same way."""

from __future__ import annotations

import math

import numpy as np

PADDING = 2


def tile(images: np.ndarray, nrow: int, padding: int = PADDING, pad_value: int = 255) -> np.ndarray:
    """uint8 (N, C, H, W) images -> one (rows * (H + p) + p, nrow * (W + p) + p, 3) uint8 image,
    ``nrow`` per row, left to right then top to bottom, ``padding`` pixels of ``pad_value``
    around each (torchvision's make_grid layout). Grey images are repeated in R, G and B."""
    n, c, h, w = images.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    grid = np.full(
        (rows * (h + padding) + padding, cols * (w + padding) + padding, 3), pad_value, np.uint8
    )
    for k, img in enumerate(np.asarray(images)):
        top, left = padding + (k // cols) * (h + padding), padding + (k % cols) * (w + padding)
        grid[top : top + h, left : left + w] = img.transpose(1, 2, 0)  # C=1 broadcasts to RGB
    return grid

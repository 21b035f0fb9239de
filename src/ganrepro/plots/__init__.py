"""Figures: matplotlib on the Agg backend, saved atomically as PNG. numpy and matplotlib only:
the figure, table and report commands must not pay for importing torch."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ganrepro.io import atomic_open  # noqa: E402

__all__ = ["plt", "save_figure", "image_panel", "tile"]

PADDING = 2


def save_figure(fig, path: str | Path, dpi: int = 120) -> None:
    with atomic_open(path) as fh:
        fig.savefig(fh, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)


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


def image_panel(
    ax, images_uint8: np.ndarray, nrow: int, title: str, row_labels: list[str] | None = None
) -> None:
    """A grid of uint8 (N, C, H, W) images on ``ax``, ``nrow`` per row, with a title and,
    optionally, a label per row."""
    ax.imshow(tile(images_uint8, nrow), interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    if row_labels:
        h = images_uint8.shape[2] + PADDING
        ax.set_yticks([PADDING + h * i + h / 2 for i in range(len(row_labels))])
        ax.set_yticklabels(row_labels, fontsize=7)
    else:
        ax.set_yticks([])

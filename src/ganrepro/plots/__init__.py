"""Figures: matplotlib on the Agg backend, saved atomically as PNG. numpy and matplotlib only:
the figure, table and report commands must not pay for importing torch."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ganrepro.images import PADDING, tile  # noqa: E402
from ganrepro.io import atomic_open  # noqa: E402

__all__ = ["plt", "save_figure", "image_panel", "tile"]


def save_figure(fig, path: str | Path, dpi: int = 120) -> None:
    with atomic_open(path) as fh:
        fig.savefig(fh, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)


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

"""Image grids: a fixed latent batch rendered at the periodic checkpoints and at the end."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image
from torch import Tensor

from ganrepro.images import tile
from ganrepro.io import atomic_open
from ganrepro.train.batches import to_uint8


def fixed_inputs(
    z_dim: int, conditional: bool, n_classes: int, seed: int, device, per_row: int = 10
) -> tuple[Tensor, Tensor | None]:
    """The grid's latent batch, from a generator of its own (the training RNG is untouched).
    Conditional runs: one row per class."""
    gen = torch.Generator().manual_seed(seed)
    n = n_classes * per_row if conditional else 64
    z = torch.randn(n, z_dim, generator=gen).to(device)
    y = torch.arange(n_classes).repeat_interleave(per_row).to(device) if conditional else None
    return z, y


def save_grid(
    images: Tensor, value_range: tuple[float, float], path: str | Path, nrow: int
) -> None:
    """``images``: (N, C, H, W) in ``value_range`` -> one PNG, written atomically."""
    img = Image.fromarray(tile(to_uint8(images, *value_range).cpu().numpy(), nrow))  # RGB
    with atomic_open(path) as fh:
        img.save(fh, format="PNG")

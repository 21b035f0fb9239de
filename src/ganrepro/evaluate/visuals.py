"""The sample arrays the visual outputs show, computed from a checkpoint's generator: written by
``ganrepro visuals`` one part per file (``samples.npz``: grid, sample, paired;
``interpolation.npz``; ``cherry.npz``, see ``layout.PARTS``) and drawn, without torch, by
``ganrepro.plots.samples``. A part reads only its own evaluation settings, so changing
``cherry_pool`` remakes the cherry-picks alone.

Sampling rules (all from the evaluation seed):

- random grid: the latents of ``Sampler.latents(100, seed)``; conditional runs get one row per
  class (labels 0..9, ten each) instead of the balanced ``i mod 10`` labels.
- sample: ``Sampler.sample(100, seed)`` (labels ``i mod 10``); the ``grids`` figures show its
  first n.
- interpolation: ``rows`` pairs of endpoints drawn in turn from a generator seeded with the seed;
  row i of a conditional run has class ``i mod 10``.
- cherry-picks (acwgan Fig 8): for each class, ``cherry_pool`` samples of that class are drawn
  and the ``per_class`` with the highest critic score are kept. Conditional runs draw class c by
  its label with seed ``seed + c``; unconditional runs draw ``10 x cherry_pool`` samples and
  assign each to the class the domain classifier predicts (a class with too few: white cells).
- paired (agarwal's cgan): generated images for labels 0..9, ``per_class`` each, latents
  ``Sampler.latents(80, seed)``; the figure puts the first real images of each class beside them.

Every array is uint8 (N, C, H, W); labels are int64 (N,), -1 where a run has no labels.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ganrepro.config.types import EvaluationConfig
from ganrepro.data import DATASETS
from ganrepro.evaluate.sampling import Sampler
from ganrepro.io import atomic_open
from ganrepro.layout import PARTS

GRID = 100  # the random grid and the plain sample: 10 x 10
INTERPOLATION_ROWS = 8
PER_CLASS = 8  # cherry-picks and paired images per class


def _labels(y: Tensor | None, n: int) -> np.ndarray:
    return np.full(n, -1, np.int64) if y is None else y.numpy().astype(np.int64)


def random_grid(sampler: Sampler, seed: int) -> tuple[Tensor, Tensor | None]:
    """10x10 samples: one row per class for conditional runs."""
    z, y = sampler.latents(GRID, seed)
    if y is not None:
        y = torch.arange(10).repeat_interleave(GRID // 10)
    return sampler.uint8(z, y), y


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation between rows of ``a`` and ``b`` at fractions ``t`` (T,)."""
    cos = (a * b).sum(-1, keepdim=True) / (
        a.norm(dim=-1, keepdim=True) * b.norm(dim=-1, keepdim=True)
    )
    omega = torch.arccos(cos.clamp(-1, 1))
    so = torch.sin(omega)
    t = t.view(1, -1, 1)
    return (
        torch.sin((1 - t) * omega[:, None]) * a[:, None]
        + torch.sin(t * omega[:, None]) * b[:, None]
    ) / so[:, None]


def interpolate(a: Tensor, b: Tensor, steps: int, method: str) -> Tensor:
    """(R, Z) endpoints -> (R, steps, Z) latents from ``a`` to ``b`` inclusive."""
    t = torch.linspace(0, 1, steps)
    if method == "slerp":
        return slerp(a, b, t)
    return a[:, None] * (1 - t.view(1, -1, 1)) + b[:, None] * t.view(1, -1, 1)


def interpolation(
    sampler: Sampler, seed: int, rows: int, steps: int, method: str
) -> tuple[Tensor, Tensor | None]:
    """(rows * steps) images, row by row, each row from its ``a`` to its ``b``."""
    gen = torch.Generator().manual_seed(seed)
    zdim = sampler.run.model.z_dim
    a, b = torch.randn(rows, zdim, generator=gen), torch.randn(rows, zdim, generator=gen)
    z = interpolate(a, b, steps, method).reshape(rows * steps, zdim)
    y = torch.arange(rows).repeat_interleave(steps) % 10 if sampler.conditional else None
    return sampler.uint8(z, y), y


def cherry_picked(
    sampler: Sampler,
    seed: int,
    pool: int,
    classify: Callable[[Tensor], Tensor] | None = None,
    per_class: int = PER_CLASS,
) -> Tensor:
    """(10 * per_class) images, one row per class (see the module docstring for the rule);
    ``classify``: uint8 images -> predicted classes, for unconditional runs."""
    picks = []
    if sampler.conditional:
        for c in range(10):
            z, _ = sampler.latents(pool, seed + c)
            y = torch.full((pool,), c)
            x = sampler.uint8(z, y)
            picks.append(x[sampler.critic(x, y).argsort(descending=True)[:per_class]])
    else:
        if classify is None:
            raise ValueError("cherry-picking an unconditional run needs a domain classifier")
        z, _ = sampler.latents(10 * pool, seed)
        x = sampler.uint8(z, None)
        score, pred = sampler.critic(x, None), classify(x)
        for c in range(10):
            idx = (pred == c).nonzero().flatten()
            best = idx[score[idx].argsort(descending=True)[:per_class]]
            row = x[best]
            if len(row) < per_class:  # a class the generator rarely makes: pad with white
                row = torch.cat(
                    [row, torch.full((per_class - len(row), *x.shape[1:]), 255, dtype=torch.uint8)]
                )
            picks.append(row)
    return torch.cat(picks)


def paired_fake(sampler: Sampler, seed: int, per_class: int = PER_CLASS) -> tuple[Tensor, Tensor]:
    """The generated half of the paired grid: ``per_class`` images of each class 0..9."""
    y = torch.arange(10).repeat_interleave(per_class)
    z, _ = sampler.latents(len(y), seed)
    return sampler.uint8(z, y), y


def sample_part(
    sampler: Sampler,
    ev: EvaluationConfig,
    part: str,
    classify: Callable[[Tensor], Tensor] | None = None,
) -> dict[str, np.ndarray]:
    """One part's arrays (the keys of ``{part}.npz``), with the metadata every part carries.
    Cherry-picking an unconditional run needs ``classify`` (the domain classifier)."""
    seed = ev.seed
    out: dict[str, np.ndarray] = {
        "per_class": np.int64(PER_CLASS),
        "class_names": np.array(DATASETS[sampler.run.data].class_names, dtype=np.str_),
        "conditional": np.bool_(sampler.conditional),
        "step": np.int64(sampler.step),
        "run_id": np.str_(sampler.run.id),  # the figure refuses another run's samples
        "config_hash": np.str_(sampler.run.hash()),
    }
    if part == "samples":
        grid, grid_y = random_grid(sampler, seed)
        sample, sample_y = sampler.sample(GRID, seed)
        fake, fake_y = paired_fake(sampler, seed)
        out |= {
            "grid": grid.numpy(),
            "grid_y": _labels(grid_y, len(grid)),
            "sample": sample.numpy(),
            "sample_y": _labels(sample_y, len(sample)),
            "paired": fake.numpy(),
            "paired_y": _labels(fake_y, len(fake)),
        }
    elif part == "interpolation":
        interp, interp_y = interpolation(
            sampler, seed, INTERPOLATION_ROWS, ev.interpolation_steps, ev.interpolation
        )
        out |= {
            "interpolation": interp.numpy(),
            "interpolation_y": _labels(interp_y, len(interp)),
            "interpolation_steps": np.int64(ev.interpolation_steps),
            "interpolation_method": np.str_(ev.interpolation),
        }
    elif part == "cherry":
        out["cherry"] = cherry_picked(sampler, seed, ev.cherry_pool, classify).numpy()
    else:
        raise ValueError(f"unknown sample part {part!r} (known: {', '.join(PARTS)})")
    return out


def sample_arrays(
    sampler: Sampler, ev: EvaluationConfig, classify: Callable[[Tensor], Tensor] | None = None
) -> dict[str, np.ndarray]:
    """Every part in one dict (``ganrepro samples`` draws any kind from it). Without
    ``classify`` an unconditional run gets no cherry-picks."""
    out = sample_part(sampler, ev, "samples") | sample_part(sampler, ev, "interpolation")
    if sampler.conditional or classify is not None:
        out |= sample_part(sampler, ev, "cherry", classify)
    return out


def save_samples(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    """A part's ``.npz``, written atomically (no pickled objects: loads with allow_pickle=False)."""
    with atomic_open(path) as fh:
        np.savez_compressed(fh, **arrays)

"""The visual outputs of the sources: random grids, latent interpolations, cherry-picked
samples and paired real/fake grids.

Cherry-picking rule (acwgan Fig 8): for each class, ``cherry_pool`` samples of that class are
drawn and the ``per_class`` with the highest critic score are shown. Conditional runs draw each
class by its label; unconditional runs draw ``10 x cherry_pool`` samples and assign each to the
class the domain classifier predicts.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from ganrepro.data import DATASETS
from ganrepro.evaluate.sampling import Sampler
from ganrepro.plots import image_panel, plt, save_figure


def _labels(sampler: Sampler) -> list[str]:
    return list(DATASETS[sampler.run.data].class_names)


def random_grid(sampler: Sampler, out: str | Path, seed: int, title: str) -> None:
    """10x10 samples: one row per class for conditional runs."""
    z, y = sampler.latents(100, seed)
    if y is not None:
        y = torch.arange(10).repeat_interleave(10)
    fig, ax = plt.subplots(figsize=(6, 6))
    image_panel(ax, sampler.uint8(z, y), 10, title, _labels(sampler) if y is not None else None)
    save_figure(fig, out)


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
    sampler: Sampler, out: str | Path, seed: int, rows: int, steps: int, method: str, title: str
) -> None:
    gen = torch.Generator().manual_seed(seed)
    zdim = sampler.run.model.z_dim
    a, b = torch.randn(rows, zdim, generator=gen), torch.randn(rows, zdim, generator=gen)
    z = interpolate(a, b, steps, method).reshape(rows * steps, zdim)
    y = torch.arange(rows).repeat_interleave(steps) % 10 if sampler.conditional else None
    fig, ax = plt.subplots(figsize=(steps * 0.6, rows * 0.65))
    names = _labels(sampler)
    image_panel(
        ax,
        sampler.uint8(z, y),
        steps,
        f"{title} ({method}, left to right)",
        [names[i % 10] for i in range(rows)] if y is not None else None,
    )
    save_figure(fig, out)


def cherry_picked(
    sampler: Sampler,
    out: str | Path,
    seed: int,
    pool: int,
    title: str,
    classify=None,
    per_class: int = 8,
) -> None:
    """Top critic scores per class (see the module docstring for the rule)."""
    picks = []
    if sampler.conditional:
        for c in range(10):
            z, _ = sampler.latents(pool, seed + c)
            y = torch.full((pool,), c)
            x = sampler.uint8(z, y)
            picks.append(x[sampler.critic(x, y).argsort(descending=True)[:per_class]])
    else:
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
    fig, ax = plt.subplots(figsize=(per_class * 0.6, 6.5))
    image_panel(
        ax,
        torch.cat(picks),
        per_class,
        f"{title}\nhighest critic score per class",
        _labels(sampler),
    )
    save_figure(fig, out)


def paired_real_fake(
    sampler: Sampler,
    real_x: Tensor,
    real_y: Tensor,
    out: str | Path,
    seed: int,
    title: str,
    per_class: int = 8,
) -> None:
    """Real images and generated ones with the same labels, side by side (agarwal's cgan)."""
    rows_real, labels = [], []
    for c in range(10):
        idx = (real_y == c).nonzero().flatten()[:per_class]
        rows_real.append(real_x[idx])
        labels.append(real_y[idx])
    real, y = torch.cat(rows_real), torch.cat(labels)
    z, _ = sampler.latents(len(y), seed)
    fake = sampler.uint8(z, y)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(per_class * 1.2, 6.5))
    image_panel(ax1, real, per_class, "real", _labels(sampler))
    image_panel(ax2, fake, per_class, "generated (same labels)", _labels(sampler))
    fig.suptitle(title)
    save_figure(fig, out)

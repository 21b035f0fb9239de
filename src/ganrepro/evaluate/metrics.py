"""Metrics from features: FID's statistics, IS from logits (10 splits), KID (polynomial kernel,
subsets) and precision/recall (k-NN balls). Each is torch-fidelity's quantity, computed here
(tests/evaluate/test_metrics.py checks each against torch-fidelity's own function, with the same
random subsets and splits): importing torch-fidelity costs every evaluation job seconds. FID's
one matrix function goes through a symmetric eigendecomposition (:func:`fid`)."""

from __future__ import annotations

import time

import numpy as np
import torch

from ganrepro.measure import pairwise

PRC_BATCH = 10000  # rows per distance block of precision/recall (torch-fidelity's default)


def statistics(feat: torch.Tensor) -> dict[str, np.ndarray]:
    """Mean and covariance of (N, D) features, float64."""
    x = feat.double().cpu().numpy()
    return {"mu": np.mean(x, axis=0), "sigma": np.cov(x, rowvar=False)}


def psd_sqrt(sigma: np.ndarray) -> np.ndarray:
    """The symmetric square root of a covariance matrix (eigenvalues that rounding made
    negative count as 0)."""
    w, v = np.linalg.eigh(sigma)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def fid(stats_1: dict, stats_2: dict) -> float:
    """|mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)), the Frechet distance of two
    Gaussians. The trace term is torch-fidelity's (the sum of the square roots of the
    eigenvalues of S1 S2), taken from the symmetric matrix R S1 R with R = S2^(1/2), which has
    the same eigenvalues: ``eigvalsh`` instead of torch-fidelity's general ``eigvals``, about 3x
    faster at 2048 features, and ``stats_2["sqrt"]`` (a reference's R, from
    :func:`ganrepro.evaluate.stats.load_stats`) is reused across the FIDs against it."""
    r = stats_2.get("sqrt")
    if r is None:
        r = psd_sqrt(stats_2["sigma"])
    eig = np.linalg.eigvalsh(r @ stats_1["sigma"] @ r)
    tr_covmean = np.sqrt(np.clip(eig, 0.0, None)).sum()
    diff = stats_1["mu"] - stats_2["mu"]
    return float(
        diff @ diff + np.trace(stats_1["sigma"]) + np.trace(stats_2["sigma"]) - 2 * tr_covmean
    )


def inception_score(
    logits: torch.Tensor, splits: int = 10, seed: int = 2020
) -> tuple[float, float]:
    """exp(E KL(p(y|x) || p(y))) over ``splits`` chunks of the logits in a seeded random
    order: mean and standard deviation over the chunks."""
    n = len(logits)
    x = logits.double().cpu()[np.random.RandomState(seed).permutation(n)]
    p, log_p = x.softmax(dim=1), x.log_softmax(dim=1)
    scores = []
    for i in range(splits):
        lo, hi = i * n // splits, (i + 1) * n // splits
        q = p[lo:hi].mean(dim=0, keepdim=True)
        scores.append((p[lo:hi] * (log_p[lo:hi] - q.log())).sum(dim=1).mean().exp().item())
    return float(np.mean(scores)), float(np.std(scores))


def kid(
    feat_1: torch.Tensor, feat_2: torch.Tensor, subsets: int, subset_size: int, seed: int = 2020
) -> tuple[float, float]:
    """The unbiased MMD^2 with the kernel (x.y / D + 1)^3, over ``subsets`` random subsets of
    ``subset_size`` of each set (at most the smaller set): mean and standard deviation. The
    same draws, in the same order, and the same float64 products as torch-fidelity's loop
    (batching the subsets measured no faster: BLAS already runs each product at full speed)."""
    f_1, f_2 = feat_1.double().cpu().numpy(), feat_2.double().cpu().numpy()
    m = min(subset_size, len(f_1), len(f_2))
    gamma = 1.0 / f_1.shape[1]
    rng = np.random.RandomState(seed)

    def kernel(a, b):
        return (np.matmul(a, b.T) * gamma + 1.0) ** 3

    mmd = np.zeros(subsets)
    for i in range(subsets):
        x = f_1[rng.choice(len(f_1), m, replace=False)]
        y = f_2[rng.choice(len(f_2), m, replace=False)]
        k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
        off = (k_xx.sum() - np.trace(k_xx)) + (k_yy.sum() - np.trace(k_yy))
        mmd[i] = off / (m * (m - 1)) - 2 * k_xy.sum() / (m * m)
    return float(np.mean(mmd)), float(np.std(mmd))


def _distances(rows: torch.Tensor, others: torch.Tensor) -> torch.Tensor:
    """Euclidean distances of ``rows`` to every one of ``others``, in blocks of PRC_BATCH
    columns (torch-fidelity's blocks: the same float32 values)."""
    return torch.cat([torch.cdist(rows, b) for b in others.split(PRC_BATCH)], dim=1)


def _kth_neighbour_radius(feat: torch.Tensor, k: int) -> torch.Tensor:
    """Each row's distance to its k-th nearest other row (itself is the 0th)."""
    return torch.cat([_distances(a, feat).kthvalue(k + 1).values for a in feat.split(PRC_BATCH)])


def _covered(feat: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """The share of ``feat``'s rows inside at least one ball (``centres``, ``radii``)."""
    inside = [(_distances(a, centres) <= radii).any(dim=1).float() for a in feat.split(PRC_BATCH)]
    return torch.cat(inside).mean().item()


def precision_recall(
    feat_fake: torch.Tensor, feat_real: torch.Tensor, k: int = 3
) -> tuple[float, float, float]:
    """Precision (generated samples inside the real k-NN balls), recall (real samples inside
    the generated ones) and their F-score, in float32 distance blocks of PRC_BATCH rows."""
    fake, real = feat_fake.float().cpu(), feat_real.float().cpu()
    recall = _covered(real, fake, _kth_neighbour_radius(fake, k))
    precision = _covered(fake, real, _kth_neighbour_radius(real, k))
    return precision, recall, 2 * precision * recall / max(1e-5, precision + recall)


def pairwise_seconds(dim: int, kid_subsets: int, kid_subset_size: int, n: int = 2000) -> float:
    """Seconds per feature pair of KID (``kid_subsets`` subsets) and precision/recall on this
    machine, timed on ``n`` random ``dim``-dimensional features against as many: large enough
    that the pairs, not the calls' overheads, dominate (what a full-scale evaluation's
    pairwise part grows with; the rehearsal's own calls are too small to show it)."""
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(n, dim, generator=gen, dtype=torch.float64) for _ in range(2))
    size = min(kid_subset_size, n)
    t0 = time.perf_counter()
    kid(a, b, kid_subsets, size)
    precision_recall(a, b)
    return (time.perf_counter() - t0) / pairwise(n, n, kid_subsets, size)


def all_metrics(
    fake: dict[str, torch.Tensor],
    ref: dict,
    *,
    kid_subsets: int,
    kid_subset_size: int,
    is_splits: int,
) -> dict[str, float]:
    """Every metric of generated features ``fake`` against reference ``ref`` (its statistics
    and a feature sample)."""
    is_mean, is_std = inception_score(fake["logits"], is_splits)
    kid_mean, kid_std = kid(fake["feat"], ref["feat"], kid_subsets, kid_subset_size)
    p, r, f = precision_recall(fake["feat"], ref["feat"])
    return {
        "fid": fid(statistics(fake["feat"]), ref),  # ref["sqrt"]: computed once per reference
        "is_mean": is_mean,
        "is_std": is_std,
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "precision": p,
        "recall": r,
        "f_score": f,
    }


def white_fraction(images_uint8: torch.Tensor, level: int = 240) -> float:
    """Share of pixels that are near-white in every channel (agarwal's "white blobs")."""
    return float((images_uint8 >= level).all(dim=1).float().mean())

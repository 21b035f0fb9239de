"""Metrics from features, through torch-fidelity's own functions: FID's statistics, IS from
logits (10 splits), KID (polynomial kernel, subsets) and precision/recall (k-NN balls). FID's
one matrix function is computed here: torch-fidelity's quantity, through a symmetric
eigendecomposition (:func:`fid`), checked against torch-fidelity's own in the tests."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch_fidelity.metric_fid import fid_features_to_statistics
from torch_fidelity.metric_isc import (
    KEY_METRIC_ISC_MEAN,
    KEY_METRIC_ISC_STD,
    isc_features_to_metric,
)
from torch_fidelity.metric_kid import (
    KEY_METRIC_KID_MEAN,
    KEY_METRIC_KID_STD,
    kid_features_to_metric,
)
from torch_fidelity.metric_prc import (
    KEY_METRIC_F_SCORE,
    KEY_METRIC_PRECISION,
    KEY_METRIC_RECALL,
    prc_features_to_metric,
)

from ganrepro.measure import pairwise


def statistics(feat: torch.Tensor) -> dict[str, np.ndarray]:
    """Mean and covariance of (N, D) features, float64."""
    return fid_features_to_statistics(feat.double().cpu())


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


def inception_score(logits: torch.Tensor, splits: int = 10) -> tuple[float, float]:
    out = isc_features_to_metric(logits.double().cpu(), splits=splits, shuffle=True, rng_seed=2020)
    return out[KEY_METRIC_ISC_MEAN], out[KEY_METRIC_ISC_STD]


def kid(
    feat_1: torch.Tensor, feat_2: torch.Tensor, subsets: int, subset_size: int, seed: int = 2020
) -> tuple[float, float]:
    size = min(subset_size, len(feat_1), len(feat_2))
    out = kid_features_to_metric(
        feat_1.double().cpu(),
        feat_2.double().cpu(),
        kid_subsets=subsets,
        kid_subset_size=size,
        rng_seed=seed,
        verbose=False,
    )
    return out[KEY_METRIC_KID_MEAN], out[KEY_METRIC_KID_STD]


def precision_recall(
    feat_fake: torch.Tensor, feat_real: torch.Tensor, k: int = 3
) -> tuple[float, float, float]:
    out = prc_features_to_metric(
        feat_fake.float().cpu(),
        feat_real.float().cpu(),
        prc_neighborhood=k,
        prc_batch_size=10000,
        save_cpu_ram=True,
        verbose=False,
    )
    return out[KEY_METRIC_PRECISION], out[KEY_METRIC_RECALL], out[KEY_METRIC_F_SCORE]


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

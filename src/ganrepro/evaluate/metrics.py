"""Metrics from features, through torch-fidelity's own functions (nothing written by hand):
FID from Gaussian statistics, IS from logits (10 splits), KID (polynomial kernel, subsets) and
precision/recall (k-NN balls)."""

from __future__ import annotations

import numpy as np
import torch
from torch_fidelity.metric_fid import (
    KEY_METRIC_FID,
    fid_features_to_statistics,
    fid_statistics_to_metric,
)
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


def statistics(feat: torch.Tensor) -> dict[str, np.ndarray]:
    """Mean and covariance of (N, D) features, float64."""
    return fid_features_to_statistics(feat.double().cpu())


def fid(stats_1: dict, stats_2: dict) -> float:
    return fid_statistics_to_metric(stats_1, stats_2, verbose=False)[KEY_METRIC_FID]


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
        "fid": fid(statistics(fake["feat"]), {"mu": ref["mu"], "sigma": ref["sigma"]}),
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

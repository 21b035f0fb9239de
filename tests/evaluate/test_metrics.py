"""Metrics against closed forms and independent references; invariances."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from ganrepro.evaluate.metrics import fid, inception_score, kid, precision_recall, statistics


def test_fid_matches_the_closed_form_for_diagonal_gaussians():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    v1, v2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expect = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(v1) - np.sqrt(v2)) ** 2).sum()
    got = fid({"mu": mu1, "sigma": np.diag(v1)}, {"mu": mu2, "sigma": np.diag(v2)})
    assert got == pytest.approx(expect, rel=1e-10)  # 1.0 + 6.25 + 4 + 1 + 0


def test_fid_matches_scipy_sqrtm_on_random_covariances():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    s1, s2 = a @ a.T + 0.1 * np.eye(6), b @ b.T + 0.1 * np.eye(6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    expect = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean)
    assert fid({"mu": mu1, "sigma": s1}, {"mu": mu2, "sigma": s2}) == pytest.approx(
        expect, rel=1e-8
    )


def test_fid_of_a_set_with_itself_is_zero_and_fid_is_symmetric():
    rng = np.random.default_rng(1)
    f1 = torch.from_numpy(rng.normal(size=(500, 8)))
    f2 = torch.from_numpy(rng.normal(loc=0.5, size=(400, 8)))
    s1, s2 = statistics(f1), statistics(f2)
    assert abs(fid(s1, s1)) < 1e-8
    assert fid(s1, s2) == pytest.approx(fid(s2, s1), rel=1e-9)
    assert fid(s1, s2) > 1.0  # the shifted set is far


def test_is_is_one_for_constant_predictions():
    logits = torch.tensor([[3.0, 1.0, 0.0, -1.0]]).repeat(1000, 1)
    mean, std = inception_score(logits, splits=10)
    assert mean == pytest.approx(1.0, abs=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_is_is_ten_for_confident_uniformly_spread_predictions():
    labels = torch.arange(10).repeat(100)
    logits = torch.full((1000, 10), -1e4, dtype=torch.float64)
    logits[torch.arange(1000), labels] = 0.0
    mean, std = inception_score(logits, splits=1)
    assert mean == pytest.approx(10.0, rel=1e-9)


def test_kid_is_near_zero_for_the_same_distribution_and_positive_for_another():
    rng = np.random.default_rng(2)
    a = torch.from_numpy(rng.normal(size=(300, 16)))
    b = torch.from_numpy(rng.normal(size=(300, 16)))
    c = torch.from_numpy(rng.normal(loc=1.0, size=(300, 16)))
    same, _ = kid(a, b, subsets=20, subset_size=100)
    other, _ = kid(a, c, subsets=20, subset_size=100)
    assert abs(same) < 0.05 and other > 10 * max(abs(same), 1e-3)


def test_precision_recall_of_identical_sets_is_one():
    f = torch.from_numpy(np.random.default_rng(3).normal(size=(200, 4)))
    p, r, _ = precision_recall(f, f.clone())
    assert (p, r) == (1.0, 1.0)
    far = f + 100
    p, r, _ = precision_recall(far, f)
    assert (p, r) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("n_1", "n_2", "dim", "rel"),
    [(500, 400, 16, 1e-10), (20, 50, 256, 1e-7), (3000, 60, 128, 1e-7)],
)
def test_fid_is_torch_fidelitys_quantity(n_1, n_2, dim, rel):
    """The symmetric eigendecomposition gives torch-fidelity's FID (its general ``eigvals`` of
    S1 S2): to 1e-10 with full-rank covariances; to 1e-7 with rank-deficient ones (fewer samples
    than features: the rehearsal's), where both methods round the zero eigenvalues, each its own
    way (they stand 2e-5 apart on 385 here). The same with a reference's square root given."""
    from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_statistics_to_metric

    from ganrepro.evaluate.metrics import psd_sqrt

    rng = np.random.default_rng(n_1)
    mix = rng.normal(size=(dim, dim)) / np.sqrt(dim)  # correlated features
    s1 = statistics(torch.from_numpy(rng.normal(size=(n_1, dim)) @ mix))
    s2 = statistics(torch.from_numpy(rng.normal(loc=0.3, size=(n_2, dim)) @ mix + 0.1))
    theirs = fid_statistics_to_metric(s1, s2, verbose=False)[KEY_METRIC_FID]
    ours = fid(s1, s2)
    assert ours == pytest.approx(theirs, rel=rel)
    assert fid(s1, {**s2, "sqrt": psd_sqrt(s2["sigma"])}) == ours


def _features(seed: int, n: int, dim: int, shift: float = 0.0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(dim, dim)) / np.sqrt(dim)
    return torch.from_numpy(rng.normal(loc=shift, size=(n, dim)) @ mix)


@pytest.mark.parametrize(("n_1", "n_2", "dim"), [(500, 1000, 128), (300, 120, 16)])
def test_statistics_is_and_kid_are_torch_fidelitys_quantities(n_1, n_2, dim):
    """Computed here (no torch-fidelity import in the jobs), equal to torch-fidelity's own
    functions with its defaults: the same shuffle and IS splits, the same KID subsets (its
    RandomState draws, in order) and kernel; KID to 1e-12."""
    from torch_fidelity.metric_fid import fid_features_to_statistics
    from torch_fidelity.metric_isc import isc_features_to_metric
    from torch_fidelity.metric_kid import kid_features_to_metric

    a, b = _features(n_1, n_1, dim), _features(n_2, n_2, dim, shift=0.2)
    theirs = fid_features_to_statistics(a.clone())
    ours = statistics(a)
    assert np.array_equal(ours["mu"], theirs["mu"])
    assert np.array_equal(ours["sigma"], theirs["sigma"])
    logits = a[:, :10] * 3
    isc = isc_features_to_metric(logits.clone(), splits=10, shuffle=True, rng_seed=2020)
    assert inception_score(logits, 10) == (
        pytest.approx(isc["inception_score_mean"], rel=1e-14),
        pytest.approx(isc["inception_score_std"], rel=1e-12),
    )
    size = min(100, n_1, n_2)
    k = kid_features_to_metric(
        a.clone(), b.clone(), kid_subsets=100, kid_subset_size=size, rng_seed=2020, verbose=False
    )
    mean, std = kid(a, b, subsets=100, subset_size=100)
    assert mean == pytest.approx(k["kernel_inception_distance_mean"], rel=1e-12)
    assert std == pytest.approx(k["kernel_inception_distance_std"], rel=1e-9)


@pytest.mark.parametrize(("n_fake", "n_real", "dim"), [(300, 500, 32), (50, 40, 2048)])
def test_precision_recall_is_torch_fidelitys_quantity(n_fake, n_real, dim):
    """The same k-NN balls, distance blocks and comparisons as torch-fidelity: equal values."""
    from torch_fidelity.metric_prc import prc_features_to_metric

    fake, real = _features(n_fake, n_fake, dim, shift=0.3), _features(n_real, n_real, dim)
    theirs = prc_features_to_metric(
        fake.float(), real.float(), prc_neighborhood=3, prc_batch_size=10000,
        save_cpu_ram=True, verbose=False,
    )  # fmt: skip
    assert precision_recall(fake, real) == (
        theirs["precision"],
        theirs["recall"],
        theirs["f_score"],
    )
    assert 0.0 < theirs["precision"] < 1.0 or 0.0 < theirs["recall"] < 1.0  # not a trivial case

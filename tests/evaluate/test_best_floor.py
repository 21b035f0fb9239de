"""The best checkpoint's selection on hand-made curves, and the real-data floor of the
reference statistics against the metrics module's FID on hand-picked features."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganrepro.evaluate.metrics import fid, statistics
from ganrepro.evaluate.run import select_best
from ganrepro.evaluate.stats import StatsMismatch, compute_stats, load_stats


def point(step: int, **fids: float) -> dict:
    """A curve point as ``evaluate`` writes it: per extractor, the train-split metrics."""
    return {
        "step": step,
        "epoch": step / 10,
        **{k: {"fid": v, "is_mean": 1.0} for k, v in fids.items()},
    }


CURVE = [
    point(0, inception=300.0, classifier=90.0),
    point(10, inception=40.0, classifier=5.0),
    point(20, inception=25.0, classifier=30.0),
    point(30, inception=60.0, classifier=40.0),
]


def test_best_is_the_step_of_the_lowest_fid_of_the_extractor_named():
    assert select_best(CURVE, "inception", "completed") == 20
    assert select_best(CURVE, "classifier", "completed") == 10  # its own curve, not inception's


def test_best_ignores_a_lower_test_fid_and_non_finite_points():
    curve = [dict(p) for p in CURVE]
    # a test-split score beside a point (evaluate writes none) never selects
    curve[3]["test"] = {"inception": {"fid": 0.1}}
    curve[0]["inception_test"] = {"fid": 0.0}
    curve[1] = point(10, inception=math.nan)
    assert select_best(curve, "inception", "completed") == 20
    curve[2] = point(20, inception=math.inf)
    assert select_best(curve, "inception", "completed") == 30


def test_a_tie_goes_to_the_earliest_step():
    curve = [point(0, classifier=9.0), point(5, classifier=3.0), point(9, classifier=3.0)]
    assert select_best(curve, "classifier", "completed") == 5


def test_no_best_for_a_diverged_run_or_without_a_curve():
    assert select_best(CURVE, "inception", "diverged") is None
    assert select_best([], "inception", "completed") is None
    assert select_best([point(0, classifier=math.nan)], "classifier", "completed") is None
    assert select_best(CURVE, "missing", "completed") is None


class Pooled:
    """A hand-made feature extractor: 4x4 average-pooled grey levels (16 features)."""

    name = "pooled"

    def features(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        grey = images.double().mean(1, keepdim=True)
        feat = torch.nn.functional.avg_pool2d(grey, 8).flatten(1) / 255.0
        return {"feat": feat, "logits": feat[:, :10] * 5}

    def protocol(self) -> dict:
        return {"name": self.name, "weights_sha256": "hand-made"}


def _draw(x: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    return x[np.sort(np.random.default_rng(seed).permutation(len(x))[:n])]


@pytest.mark.parametrize("n_samples, n_samples_test", [(50, 40), (10**6, 10**6)])
def test_floor_is_the_metrics_fid_of_the_other_splits_real_images(
    prepared, tmp_path, n_samples, n_samples_test
):
    """floor.train: N = min(n_samples, test size) test images against the train statistics;
    floor.test: M = min(n_samples_test, train size) train images against the test ones."""
    ex, out = Pooled(), tmp_path / "stats.npz"
    compute_stats(
        prepared["digits"], out, [ex], 300, 10, n_samples=n_samples, n_samples_test=n_samples_test
    )
    with np.load(prepared["digits"]) as z:
        train_x, test_x = z["train_x"], z["test_x"]
    train, test = load_stats(out, ex, "train"), load_stats(out, ex, "test")
    n, m = min(n_samples, len(test_x)), min(n_samples_test, len(train_x))
    feat_n = ex.features(torch.from_numpy(_draw(test_x, n)))["feat"]
    feat_m = ex.features(torch.from_numpy(_draw(train_x, m)))["feat"]
    expect_train = fid(statistics(feat_n), {"mu": train["mu"], "sigma": train["sigma"]})
    expect_test = fid(statistics(feat_m), {"mu": test["mu"], "sigma": test["sigma"]})
    assert train["floor"] == {"fid": expect_train, "n": n}
    assert test["floor"] == {"fid": expect_test, "n": m}
    assert 0 < expect_train and 0 < expect_test
    # the reference statistics themselves are those of the first n_reference of the same draw
    ref = statistics(ex.features(torch.from_numpy(_draw(train_x, 300)))["feat"])
    np.testing.assert_array_equal(train["mu"], ref["mu"])


def test_statistics_without_a_floor_are_refused(prepared, tmp_path):
    """A file from before the floor existed: recompute it, rather than no floor."""
    import json

    ex, out = Pooled(), tmp_path / "stats.npz"
    compute_stats(prepared["digits"], out, [ex], 100, 10, n_samples=20, n_samples_test=20)
    with np.load(out) as z:
        arrays = dict(z)
    meta = json.loads(str(arrays["meta"]))
    del meta["floor"]
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(out, **arrays)
    with pytest.raises(StatsMismatch, match="no real-data floor"):
        load_stats(out, ex, "train")

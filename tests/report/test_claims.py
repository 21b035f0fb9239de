"""Every claim's verdict logic on hand-made metric tables: each verdict is reachable."""

from __future__ import annotations

import math

import pytest

from ganrepro.report import claims
from ganrepro.report.claims import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Verdict,
    compare,
    holm,
    welch,
    welch_p,
)
from ganrepro.report.results import Results


def m(
    fid=10.0,
    is_mean=2.0,
    status="completed",
    curve=None,
    white=0.01,
    ref_white=0.01,
    class_accuracy=None,
    ex="classifier",
    train_is=5.0,
    n_samples=500,
):
    """One hand-made metrics.json."""
    final = {"fid": fid, "is_mean": is_mean, "class_accuracy": class_accuracy or [0.5] * 10}
    return {
        "status": status,
        "final": {ex: final, "white_fraction": white},
        "curve": curve or [],
        "total_steps": 100,
        "reference": {ex: {"train_is": [train_is, 0.1]}, "white_fraction": ref_white},
        "protocol": {"n_samples": n_samples},
    }


def results(runs: dict[str, list[dict]], scale="full", standins=False) -> Results:
    return Results(runs, scale=scale, standins=standins)


def seeds(values, key="fid", **kw):
    return [m(**{key: v}, **kw) for v in values]


def test_compare_reaches_every_verdict():
    assert compare([1.0, 1.1, 0.9], [5.0, 5.1, 4.9], "lower")[0] == SUPPORTED
    assert compare([5.0, 5.1, 4.9], [1.0, 1.1, 0.9], "lower")[0] == NOT_SUPPORTED
    assert compare([1.0, 3.0], [1.5, 2.5], "lower")[0] == INCONCLUSIVE  # within noise
    verdict, reason = compare([1.0], [5.0], "lower")
    assert verdict == INCONCLUSIVE and "too few seeds" in reason
    assert compare([], [5.0, 5.0], "lower")[0] == INCONCLUSIVE


def test_welch_p_against_a_hand_computed_value():
    # a = [1, 2, 3], b = [4, 5, 6]: t = -3 / sqrt(1/3 + 1/3) = -3.674, Welch df = 4; the
    # two-sided p of Student's t with 4 df at |t| = 3.674 is 0.02131 (tables / closed form).
    assert welch_p([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == pytest.approx(0.021312, abs=1e-6)
    assert welch_p([1.0, 1.0], [2.0, 2.0]) == 0.0  # no spread, different means
    assert math.isnan(welch_p([1.0, 1.0], [1.0, 1.0]))


def test_welch_needs_significance_not_two_standard_errors():
    # A difference just beyond two standard errors with 3 seeds each (Welch df ~ 4) is not
    # significant at 0.05: the old rule called it, the t-test does not.
    a, b = [0.0, 1.0, 2.0], [1.7, 2.7, 3.7]  # diff 1.7, 2 SE = 1.633
    v = welch(a, b, "lower")
    assert v.verdict == INCONCLUSIVE and 0.05 < v.p < 0.15 and "p = " in v.reason
    assert welch([0.0, 1.0, 2.0], [4.0, 5.0, 6.0], "lower").verdict == SUPPORTED


def test_holm_adjusts_step_down():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5]


def test_all_is_an_intersection_union_test_with_holm_against():
    ok = Verdict(SUPPORTED, "a", "", 0.01, True)
    weak = Verdict(INCONCLUSIVE, "b", "", 0.5, True)
    against = Verdict(NOT_SUPPORTED, "c", "", 0.03, False)
    assert claims._all([ok, ok]).verdict == SUPPORTED
    assert claims._all([ok, weak]).verdict == INCONCLUSIVE
    # p 0.03 against, with a second comparison: Holm makes it 0.06 -> not significant
    assert claims._all([against, weak]).verdict == INCONCLUSIVE
    strong = Verdict(NOT_SUPPORTED, "d", "", 0.001, False)
    v = claims._all([strong, weak])
    assert v.verdict == NOT_SUPPORTED and "Holm" in v.reason


GOOD, BAD = [10.0, 10.5, 9.5], [30.0, 31.0, 29.0]


@pytest.mark.parametrize(
    ("claim", "runs", "expected"),
    [
        (
            claims.agarwal_dcgan_better,
            {"agarwal/dcgan": GOOD, "agarwal/simple_gan": BAD},
            SUPPORTED,
        ),
        (
            claims.agarwal_dcgan_better,
            {"agarwal/dcgan": BAD, "agarwal/simple_gan": GOOD},
            NOT_SUPPORTED,
        ),
        (claims.ding_gp_beats_wgan, {"ding/wgan_gp": GOOD, "ding/wgan": BAD}, SUPPORTED),
        (claims.ding_gp_beats_wgan, {"ding/wgan_gp": BAD, "ding/wgan": GOOD}, NOT_SUPPORTED),
        (claims.ding_gp_beats_wgan, {"ding/wgan_gp": [10.0], "ding/wgan": [30.0]}, INCONCLUSIVE),
        (claims.ding_cgan_best, {"ding/cgan": GOOD, "ding/gan": BAD, "ding/wgan": BAD}, SUPPORTED),
        (
            claims.ding_cgan_best,
            {"ding/cgan": GOOD, "ding/gan": BAD, "ding/wgan": [6.0, 6.1, 5.9]},
            NOT_SUPPORTED,
        ),
        (
            claims.ding_cgan_best,
            {"ding/cgan": GOOD, "ding/gan": BAD, "ding/wgan": GOOD},
            INCONCLUSIVE,
        ),
        (claims.frank_wgan_worse, {"frank/dcgan": GOOD, "frank/wgan": BAD}, SUPPORTED),
        (claims.frank_wgan_worse, {"frank/dcgan": BAD, "frank/wgan": GOOD}, NOT_SUPPORTED),
    ],
)
def test_fid_comparisons(claim, runs, expected):
    r = results({k: seeds(v) for k, v in runs.items()})
    assert claim(r).verdict == expected


def test_zhu_is_comparisons():
    hi, lo = [5.0, 5.1, 4.9], [2.0, 2.1, 1.9]
    runs = {
        "zhu/cfg_dcgan_mnist": hi,
        "zhu/wgan_gp_dcgan_mnist": lo,
        "zhu/cfg_dcgan_cifar10": hi,
        "zhu/wgan_gp_dcgan_cifar10": lo,
        "zhu/dcgan_cifar10": lo,
    }
    r = results({k: seeds(v, "is_mean") for k, v in runs.items()})
    assert claims.zhu_cfg_beats_wgan_gp(r).verdict == SUPPORTED
    runs["zhu/cfg_dcgan_cifar10"] = [1.0, 1.1, 0.9]
    r = results({k: seeds(v, "is_mean") for k, v in runs.items()})
    assert claims.zhu_cfg_beats_wgan_gp(r).verdict == NOT_SUPPORTED
    runs.update({"zhu/cfg_dcgan_cifar10": hi, "zhu/wgan_gp_dcgan_cifar10": hi})
    r = results({k: seeds(v, "is_mean") for k, v in runs.items()})
    assert claims.zhu_dcgan_not_enough(r).verdict == SUPPORTED
    runs["zhu/dcgan_cifar10"] = [9.0, 9.1, 8.9]
    r = results({k: seeds(v, "is_mean") for k, v in runs.items()})
    assert claims.zhu_dcgan_not_enough(r).verdict == NOT_SUPPORTED


def _curve(values, key="is_mean", ex="classifier"):
    return [{"step": 10 * i, "epoch": float(i), ex: {key: v}} for i, v in enumerate(values)]


def test_zhu_resnet_collapse():
    stable = [m(curve=_curve([2, 3, 4])) for _ in range(3)]
    collapse = [m(curve=_curve([2, 5.5, 3.0]))] + [m(curve=_curve([2, 3, 4])) for _ in range(2)]
    diverged = [m(status="diverged", curve=_curve([2, 3]))]
    r = results({"zhu/cfg_resnet_cifar10": collapse, "zhu/wgan_gp_resnet_cifar10": stable})
    assert claims.zhu_resnet_collapse(r).verdict == SUPPORTED
    r = results({"zhu/cfg_resnet_cifar10": diverged, "zhu/wgan_gp_resnet_cifar10": stable})
    assert claims.zhu_resnet_collapse(r).verdict == SUPPORTED
    r = results({"zhu/cfg_resnet_cifar10": stable, "zhu/wgan_gp_resnet_cifar10": stable})
    assert claims.zhu_resnet_collapse(r).verdict == NOT_SUPPORTED
    r = results({"zhu/cfg_resnet_cifar10": stable[:1], "zhu/wgan_gp_resnet_cifar10": stable})
    assert claims.zhu_resnet_collapse(r).verdict == INCONCLUSIVE


def test_frank_stability_and_speed():
    smooth = [m(curve=_curve([50, 30, 20, 15], "fid")) for _ in range(3)]
    bumpy = [
        m(curve=_curve([50, 20, 40, 15], "fid")),
        m(curve=_curve([50, 25, 45, 16], "fid")),
        m(status="diverged", curve=_curve([50, 30], "fid")),
    ]
    r = results({"frank/wgan": smooth, "frank/wgan_gp": smooth, "frank/dcgan": bumpy})
    assert claims.frank_wgans_stabler(r).verdict == SUPPORTED
    r = results({"frank/wgan": bumpy, "frank/wgan_gp": smooth, "frank/dcgan": smooth})
    assert claims.frank_wgans_stabler(r).verdict == NOT_SUPPORTED
    early = [m(curve=_curve([50, 10, 20, 30], "fid")) for _ in range(3)]  # best at epoch 1
    late = [m(curve=_curve([50, 30, 20, 10], "fid")) for _ in range(2)] + [
        m(curve=_curve([50, 40, 20, 15], "fid"))
    ]  # best at epoch 3
    r = results({"frank/dcgan": early, "frank/wgan": late, "frank/wgan_gp": late})
    assert claims.frank_gan_faster(r).verdict == SUPPORTED
    r = results({"frank/dcgan": late, "frank/wgan": early, "frank/wgan_gp": early})
    assert claims.frank_gan_faster(r).verdict == NOT_SUPPORTED


def test_ding_clipping_is_the_key_factor():
    def runs(c_spread, other_spread):
        base = {
            "wgan": 20.0,
            "wgan_clip0005": 20 - c_spread,
            "wgan_clip0015": 20 + c_spread,
            "wgan_ncritic3": 20 - other_spread,
            "wgan_ncritic7": 20 + other_spread,
            "wgan_lr3e4": 20,
            "wgan_lr1e3": 20 + other_spread,
        }
        return results({f"ding/{k}": seeds([v - 0.1, v, v + 0.1]) for k, v in base.items()})

    assert claims.ding_clip_key(runs(10, 1)).verdict == SUPPORTED
    assert claims.ding_clip_key(runs(1, 10)).verdict == NOT_SUPPORTED
    assert claims.ding_clip_key(runs(1.0, 0.95)).verdict == INCONCLUSIVE


def test_acwgan_claims():
    near = [m(is_mean=v, ex="inception", n_samples=50000) for v in (8.3, 8.5, 8.4)]
    far = [m(is_mean=v, ex="inception", n_samples=50000) for v in (5.0, 5.1, 5.2)]
    assert claims.acwgan_replicates(results({"acwgan/cifar10": near})).verdict == SUPPORTED
    assert claims.acwgan_replicates(results({"acwgan/cifar10": far})).verdict == NOT_SUPPORTED
    quick = results({"acwgan/cifar10": near}, scale="quick", standins=True)
    assert claims.acwgan_replicates(quick).verdict == INCONCLUSIVE

    good = [0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.1, 0.9]
    bad = [0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1]
    r = results({"acwgan/cifar10": [m(class_accuracy=good) for _ in range(2)]})
    assert claims.acwgan_best_classes(r).verdict == SUPPORTED
    r = results({"acwgan/cifar10": [m(class_accuracy=bad) for _ in range(2)]})
    assert claims.acwgan_best_classes(r).verdict == NOT_SUPPORTED
    r = results({"acwgan/cifar10": [m(class_accuracy=good)] * 2}, standins=True)
    assert claims.acwgan_best_classes(r).verdict == INCONCLUSIVE

    stl = [m(is_mean=v, train_is=10.0) for v in (3.0, 3.1, 2.9)]  # 30% of its real data
    cifar = [m(is_mean=v, train_is=10.0) for v in (7.0, 7.1, 6.9)]  # 70%
    r = results({"acwgan/stl10": stl, "acwgan/cifar10": cifar})
    assert claims.acwgan_stl_worse(r).verdict == SUPPORTED
    r = results({"acwgan/stl10": cifar, "acwgan/cifar10": stl})
    assert claims.acwgan_stl_worse(r).verdict == NOT_SUPPORTED


def test_agarwal_blobs_and_robustness():
    late = [
        {"step": s, "classifier": {}, "white_fraction": w}
        for s, w in ((0, 0.01), (100, 0.02), (200, 0.2), (300, 0.3))
    ]
    r = results({"agarwal/cgan": [m(curve=late, ref_white=0.01)]})
    assert claims.agarwal_white_blobs(r).verdict == SUPPORTED
    clean = [dict(c, white_fraction=0.01) for c in late]
    r = results({"agarwal/cgan": [m(curve=clean, ref_white=0.01)]})
    assert claims.agarwal_white_blobs(r).verdict == NOT_SUPPORTED
    early = [c for c in late if c["step"] < 200]
    r = results({"agarwal/cgan": [m(curve=early)]})
    assert claims.agarwal_white_blobs(r).verdict == INCONCLUSIVE

    steady, spread = seeds([10.0, 10.1, 9.9]), seeds([5.0, 15.0, 10.0])
    r = results({"agarwal/wgan_gp": steady, "agarwal/dcgan": spread})
    assert claims.agarwal_wgan_gp_robust(r).verdict == SUPPORTED
    r = results({"agarwal/wgan_gp": spread, "agarwal/dcgan": steady})
    assert claims.agarwal_wgan_gp_robust(r).verdict == NOT_SUPPORTED
    r = results({"agarwal/wgan_gp": steady[:2], "agarwal/dcgan": spread})
    assert claims.agarwal_wgan_gp_robust(r).verdict == INCONCLUSIVE


def test_there_are_at_least_two_claims_per_source():
    per = {}
    for c in claims.CLAIMS:
        per[c.source] = per.get(c.source, 0) + 1
    assert set(per) == {"acwgan", "agarwal", "ding", "frank", "zhu"}
    assert min(per.values()) >= 2

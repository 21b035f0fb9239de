"""Every claim's verdict logic on hand-made metric tables: each verdict is reachable."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ganrepro.config import load_params
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
    losses=None,
    recall=0.5,
):
    """One hand-made metrics.json."""
    final = {
        "fid": fid,
        "is_mean": is_mean,
        "recall": recall,
        "class_accuracy": class_accuracy or [0.5] * 10,
    }
    return {
        "status": status,
        "final": {ex: final, "white_fraction": white},
        "curve": curve or [],
        "losses": losses or {},
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
        (
            claims.frank_wgan_worse,
            {"frank/dcgan": GOOD, "frank/wgan": BAD, "frank/wgan_gp": BAD},
            SUPPORTED,
        ),
        (
            claims.frank_wgan_worse,
            {"frank/dcgan": BAD, "frank/wgan": GOOD, "frank/wgan_gp": BAD},
            NOT_SUPPORTED,
        ),
        (  # WGAN-GP as good as DCGAN: "the WGANs are worse" does not hold for both
            claims.frank_wgan_worse,
            {"frank/dcgan": GOOD, "frank/wgan": BAD, "frank/wgan_gp": GOOD},
            INCONCLUSIVE,
        ),
        (
            claims.agarwal_dcgan_better,
            {"agarwal/dcgan": GOOD, "agarwal/simple_gan": GOOD},
            INCONCLUSIVE,
        ),
    ],
)
def test_fid_comparisons(claim, runs, expected):
    r = results({k: seeds(v) for k, v in runs.items()})
    assert claim(r).verdict == expected


def both(fid=10.0, is_mean=2.0, inception_fid=None, inception_is=None, **kw):
    """A metrics.json with classifier and Inception features that may disagree."""
    out = m(fid=fid, is_mean=is_mean, **kw)
    out["final"]["inception"] = {
        "fid": fid if inception_fid is None else inception_fid,
        "is_mean": is_mean if inception_is is None else inception_is,
    }
    return out


def test_mnist_claims_use_classifier_features_even_with_inception():
    # Inception says the opposite of the classifier: the MNIST claims must follow the classifier.
    good = [both(fid=v, inception_fid=v + 50) for v in GOOD]
    bad = [both(fid=v, inception_fid=v - 25) for v in BAD]
    r = results({"ding/wgan_gp": good, "ding/wgan": bad})
    v = claims.ding_gp_beats_wgan(r)
    assert v.verdict == SUPPORTED and "(classifier)" in v.measurement
    r = results({"ding/cgan": good, "ding/gan": bad, "ding/wgan": bad})
    assert claims.ding_cgan_best(r).verdict == SUPPORTED


def test_zhu_cfg_beats_wgan_gp():
    hi, lo = [5.0, 5.1, 4.9], [2.0, 2.1, 1.9]

    def run(cfg_cifar, mnist_inception_flipped=True):
        return results(
            {
                # MNIST: the classifier says CFG wins; Inception (not the standard) says it loses
                "zhu/cfg_dcgan_mnist": [both(is_mean=v, inception_is=v - 4) for v in hi],
                "zhu/wgan_gp_dcgan_mnist": [both(is_mean=v, inception_is=v + 4) for v in lo],
                "zhu/cfg_dcgan_cifar10": seeds(cfg_cifar, "is_mean"),
                "zhu/wgan_gp_dcgan_cifar10": seeds(lo, "is_mean"),
            }
        )

    assert claims.zhu_cfg_beats_wgan_gp(run(hi)).verdict == SUPPORTED
    assert claims.zhu_cfg_beats_wgan_gp(run([1.0, 1.1, 0.9])).verdict == NOT_SUPPORTED
    assert claims.zhu_cfg_beats_wgan_gp(run([1.5, 2.5, 2.0])).verdict == INCONCLUSIVE


def test_zhu_dcgan_architecture_not_enough_for_cifar10():
    hi, lo = [5.0, 5.1, 4.9], [2.0, 2.1, 1.9]

    def run(resnet, dcgan_arch, bce=(9.0, 9.1, 8.9)):
        return results(
            {
                "zhu/wgan_gp_resnet_cifar10": seeds(resnet, "is_mean"),
                "zhu/wgan_gp_dcgan_cifar10": seeds(dcgan_arch, "is_mean"),
                "zhu/dcgan_cifar10": seeds(list(bce), "is_mean"),  # BCE: not the comparison
            }
        )

    v = claims.zhu_dcgan_not_enough(run(hi, lo))
    assert v.verdict == SUPPORTED and "ResNet vs DCGAN architecture" in v.measurement
    assert claims.zhu_dcgan_not_enough(run(lo, hi)).verdict == NOT_SUPPORTED
    assert claims.zhu_dcgan_not_enough(run(hi, [4.0, 6.0, 5.0])).verdict == INCONCLUSIVE


def _curve(values, key="is_mean", ex="classifier", every=10):
    return [{"step": every * i, "epoch": float(i), ex: {key: v}} for i, v in enumerate(values)]


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
    r = results({"zhu/cfg_resnet_cifar10": collapse, "zhu/wgan_gp_resnet_cifar10": collapse})
    assert claims.zhu_resnet_collapse(r).verdict == NOT_SUPPORTED
    r = results({"zhu/cfg_resnet_cifar10": stable[:1], "zhu/wgan_gp_resnet_cifar10": stable})
    assert claims.zhu_resnet_collapse(r).verdict == INCONCLUSIVE
    # too few checkpoints to see a fall (a small run, or curves missing): never an exception
    bare = [m(curve=_curve([2])) for _ in range(3)]
    r = results({"zhu/cfg_resnet_cifar10": bare, "zhu/wgan_gp_resnet_cifar10": stable})
    v = claims.zhu_resnet_collapse(r)
    assert v.verdict == INCONCLUSIVE and "fewer than two checkpoints" in v.reason


def _losses(noise, lo=0.0, hi=1.0):
    return {"loss_g": {"noise": noise, "q05": lo, "q95": hi, "sd_second_half": noise}}


def test_frank_stability_from_the_loss_curves():
    # roughness = late step-to-step noise / the curve's own 5-95% range: the units cancel
    calm = [m(losses=_losses(n, -50.0, 50.0)) for n in (1.0, 1.2, 0.8)]  # Wasserstein: 0.01
    erratic = [m(losses=_losses(n, 0.5, 3.0)) for n in (1.0, 1.1, 0.9)]  # BCE: 0.4
    r = results({"frank/wgan": calm, "frank/wgan_gp": calm, "frank/dcgan": erratic})
    v = claims.frank_wgans_stabler(r)
    assert v.verdict == SUPPORTED and "roughness" in v.measurement
    r = results({"frank/wgan": erratic, "frank/wgan_gp": calm, "frank/dcgan": calm})
    assert claims.frank_wgans_stabler(r).verdict == NOT_SUPPORTED
    r = results({"frank/wgan": calm, "frank/wgan_gp": erratic, "frank/dcgan": erratic})
    assert claims.frank_wgans_stabler(r).verdict == INCONCLUSIVE
    # calm losses but the WGANs collapse (diverged / no recall) while DCGAN does not: refuted
    gone = [m(losses=_losses(n, -50, 50), recall=0.01) for n in (1.0, 1.2, 0.8)]
    r = results({"frank/wgan": gone, "frank/wgan_gp": calm, "frank/dcgan": erratic})
    v = claims.frank_wgans_stabler(r)
    assert v.verdict == NOT_SUPPORTED and "collapsed" in v.reason
    # metrics.json from before the loss summary: inconclusive with that reason
    old = [m() for _ in range(3)]
    r = results({"frank/wgan": old, "frank/wgan_gp": old, "frank/dcgan": old})
    v = claims.frank_wgans_stabler(r)
    assert v.verdict == INCONCLUSIVE and "no loss summary" in v.reason


def _fid_curve(pairs, ex="classifier"):
    return [{"step": s, "epoch": 0.0, ex: {"fid": f}} for s, f in pairs]


def test_frank_speed_on_a_common_axis_within_the_common_budget():
    # DCGAN reaches FID 20 after ~1000 G-iterations, the WGANs after ~3000; the WGANs run
    # longer (to 5000) and then go lower, which must not count: the budget is DCGAN's 3500.
    def dc(k):
        return m(curve=_fid_curve([(0, 300), (1000 + k, 20), (2000, 19), (3500, 18)]))

    def wg(k):
        return m(curve=_fid_curve([(0, 300), (1000, 100), (3000 + k, 20), (4000, 19), (5000, 5)]))

    fast = [dc(k) for k in (0, 100, 200)]
    slow = [wg(k) for k in (0, 100, 200)]
    r = results({"frank/dcgan": fast, "frank/wgan": slow, "frank/wgan_gp": slow})
    v = claims.frank_gan_faster(r)
    assert v.verdict == SUPPORTED and "G-iterations" in v.measurement
    assert "common budget of 3500" in v.measurement
    # the old measure (epoch of best FID) would call this for DCGAN; on a common axis the WGANs win
    r = results({"frank/dcgan": slow, "frank/wgan": fast, "frank/wgan_gp": fast})
    assert claims.frank_gan_faster(r).verdict == NOT_SUPPORTED
    r = results({"frank/dcgan": fast, "frank/wgan": fast, "frank/wgan_gp": slow})
    assert claims.frank_gan_faster(r).verdict == INCONCLUSIVE
    # no curves (missing checkpoints): inconclusive with a reason, no exception
    r = results({"frank/dcgan": [m()], "frank/wgan": slow, "frank/wgan_gp": slow})
    v = claims.frank_gan_faster(r)
    assert v.verdict == INCONCLUSIVE and "no FID curve" in v.reason


def test_steps_to_common_fid_threshold_and_budget():
    a = [m(curve=_fid_curve([(0, 100), (10, 50), (20, 30)]))]
    b = [m(curve=_fid_curve([(0, 100), (10, 80), (20, 40), (30, 1)]))]
    steps_a, steps_b, threshold, budget = claims._steps_to_common_fid(
        results({"x/a": a, "x/b": b}), "x/a", "x/b"
    )
    # budget: a's last checkpoint (20); threshold: the worst best within it (b's 40)
    assert (budget, threshold, steps_a, steps_b) == (20, 40, [20.0], [20.0])


def _white_curve(pairs):
    return [{"step": s, "classifier": {}, "white_fraction": w} for s, w in pairs]


def test_tutorial_step_unit_in_generator_iterations():
    # 7 logs per CIFAR-10 epoch of 782 batches of 64 (batch 100..700): step 0 after 101
    # G-iterations, step 7 after 782 + 101, step 200 after 28 epochs and 501 batches
    assert claims.tutorial_step_to_g_iterations(0) == 101
    assert claims.tutorial_step_to_g_iterations(7) == 883
    assert claims.tutorial_step_to_g_iterations(200) == 28 * 782 + 501 == 22397


def test_agarwal_blobs_when_not_whether():
    real = 0.01
    on_time = _white_curve([(0, 0.01), (10000, 0.01), (20000, 0.2), (40000, 0.3)])
    r = results({"agarwal/cgan": [m(curve=on_time, ref_white=real) for _ in range(3)]})
    v = claims.agarwal_white_blobs(r)
    assert v.verdict == SUPPORTED and "22397" in v.measurement
    early = _white_curve([(0, 0.01), (2000, 0.3), (25000, 0.3), (50000, 0.3)])
    r = results({"agarwal/cgan": [m(curve=early, ref_white=real)]})
    assert claims.agarwal_white_blobs(r).verdict == NOT_SUPPORTED  # blobs, but far too soon
    never = _white_curve([(0, 0.01), (25000, 0.01), (50000, 0.01)])
    r = results({"agarwal/cgan": [m(curve=never, ref_white=real)]})
    assert claims.agarwal_white_blobs(r).verdict == NOT_SUPPORTED
    r = results({"agarwal/cgan": [m(curve=on_time), m(curve=early)]})
    assert claims.agarwal_white_blobs(r).verdict == INCONCLUSIVE  # seeds disagree
    short = _white_curve([(0, 0.01), (100, 0.2), (300, 0.3)])  # blobs, but at step 300
    r = results({"agarwal/cgan": [m(curve=short, ref_white=real)]})
    v = claims.agarwal_white_blobs(r)
    assert v.verdict == INCONCLUSIVE and "not testable at this scale" in v.reason
    r = results({"agarwal/cgan": [m()]})
    assert claims.agarwal_white_blobs(r).verdict == INCONCLUSIVE


def test_agarwal_robustness_needs_a_hyper_parameter_sweep():
    steady, spread = seeds([10.0, 10.1, 9.9]), seeds([5.0, 15.0, 10.0])
    r = results({"agarwal/wgan_gp": steady, "agarwal/dcgan": spread})
    v = claims.agarwal_wgan_gp_robust(r)
    assert v.verdict == INCONCLUSIVE and "hyper-parameter settings" in v.reason

    def sweep(wgan_gp_fids, dcgan_fids):
        runs = {}
        for model, fids in (("wgan_gp", wgan_gp_fids), ("dcgan", dcgan_fids)):
            for i, f in enumerate(fids):
                name = f"agarwal/{model}" if i == 0 else f"agarwal/{model}_lr{i}"
                runs[name] = seeds([f - 0.5, f, f + 0.5])
        return results(runs)

    assert claims.agarwal_wgan_gp_robust(sweep([30, 31, 32], [30, 60, 90])).verdict == SUPPORTED
    r = sweep([30, 60, 90], [30, 31, 32])
    assert claims.agarwal_wgan_gp_robust(r).verdict == NOT_SUPPORTED
    r = sweep([30, 31, 32], [30, 31.5, 32.5])
    assert claims.agarwal_wgan_gp_robust(r).verdict == INCONCLUSIVE


def _ding(c_spread, other_spread, noise=0.1):
    base = {
        "wgan": 20.0,
        "wgan_clip0005": 20 - c_spread,
        "wgan_clip0015": 20 + c_spread,
        "wgan_ncritic3": 20 - other_spread,
        "wgan_ncritic7": 20 + other_spread,
        "wgan_lr3e4": 20,
        "wgan_lr1e3": 20 + other_spread,
    }
    return results({f"ding/{k}": seeds([v - noise, v, v + noise]) for k, v in base.items()})


def test_ding_clipping_is_the_key_factor_symmetric():
    assert claims.ding_clip_key(_ding(10, 1)).verdict == SUPPORTED
    v = claims.ding_clip_key(_ding(1, 10))
    assert v.verdict == NOT_SUPPORTED and "interval" in v.reason
    # within the noise either way: a small lead and a small shortfall are both inconclusive
    lead, short = claims.ding_clip_key(_ding(1.0, 0.95)), claims.ding_clip_key(_ding(0.95, 1.0))
    assert lead.verdict == short.verdict == INCONCLUSIVE
    assert "within the seed noise" in lead.reason and "within the seed noise" in short.reason
    # the same differences with large seed noise are not significant
    assert claims.ding_clip_key(_ding(3, 1, noise=5.0)).verdict == INCONCLUSIVE
    # one seed a run: no noise estimate
    one = results({f"ding/{x}": seeds([20.0]) for g in claims.DING_GROUPS.values() for x in g})
    v = claims.ding_clip_key(one)
    assert v.verdict == INCONCLUSIVE and "too few seeds" in v.reason


def test_spread_interval_is_reproducible_and_sized_by_the_seed_noise():
    runs = {"a": [1.0, 2.0, 3.0], "b": [5.0, 6.0, 7.0]}

    def gap(means):
        return means["b"] - means["a"]

    d, lo, hi, df = claims._spread_interval(runs, gap)
    assert (d, df) == (4.0, 4)
    assert claims._spread_interval(runs, gap) == (d, lo, hi, df)  # fixed RNG seed
    # pooled SD 1, SE of the difference sqrt(2/3) = 0.816: the interval is about +-1.96 SE
    # widened by the uncertain SD (t with 4 df: +-2.78 SE)
    assert 4 - 2.9 * 0.816 < lo < 4 - 1.96 * 0.816 and 4 + 1.96 * 0.816 < hi < 4 + 2.9 * 0.816


def test_acwgan_claims():
    near = [m(is_mean=v, ex="inception", n_samples=50000) for v in (8.3, 8.5, 8.4)]
    far = [m(is_mean=v, ex="inception", n_samples=50000) for v in (5.0, 5.1, 5.2)]
    assert claims.acwgan_replicates(results({"acwgan/cifar10": near})).verdict == SUPPORTED
    assert claims.acwgan_replicates(results({"acwgan/cifar10": far})).verdict == NOT_SUPPORTED
    quick = results({"acwgan/cifar10": near}, scale="quick", standins=True)
    v = claims.acwgan_replicates(quick)
    assert v.verdict == INCONCLUSIVE and "needs Inception" in v.reason
    no_inception = results({"acwgan/cifar10": seeds([1.0, 2.0], "is_mean")})
    assert claims.acwgan_replicates(no_inception).verdict == INCONCLUSIVE

    good = [0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.1, 0.9]
    bad = [0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1]
    r = results({"acwgan/cifar10": [m(class_accuracy=good) for _ in range(2)]})
    assert claims.acwgan_best_classes(r).verdict == SUPPORTED
    r = results({"acwgan/cifar10": [m(class_accuracy=bad) for _ in range(2)]})
    assert claims.acwgan_best_classes(r).verdict == NOT_SUPPORTED
    r = results({"acwgan/cifar10": [m(class_accuracy=good)] * 2}, standins=True)
    v = claims.acwgan_best_classes(r)
    assert v.verdict == INCONCLUSIVE and "real CIFAR-10 classes" in v.reason

    stl = [m(is_mean=v, train_is=10.0) for v in (3.0, 3.1, 2.9)]  # 30% of its real data
    cifar = [m(is_mean=v, train_is=10.0) for v in (7.0, 7.1, 6.9)]  # 70%
    r = results({"acwgan/stl10": stl, "acwgan/cifar10": cifar})
    assert claims.acwgan_stl_worse(r).verdict == SUPPORTED
    r = results({"acwgan/stl10": cifar, "acwgan/cifar10": stl})
    assert claims.acwgan_stl_worse(r).verdict == NOT_SUPPORTED
    r = results({"acwgan/stl10": stl, "acwgan/cifar10": cifar}, standins=True)
    v = claims.acwgan_stl_worse(r)
    assert v.verdict == INCONCLUSIVE and "same photos" in v.reason


RUN_IDS = list(load_params(Path(__file__).resolve().parents[2] / "params.yaml").runs)


@pytest.mark.parametrize(
    "table",
    [
        {},  # nothing evaluated
        {k: [] for k in RUN_IDS},  # every seed missing
        {k: [m()] for k in RUN_IDS},  # one seed, no curves, no loss summary (quick scale)
        {k: [m(curve=_curve([5.0], "fid"))] * 3 for k in RUN_IDS},  # 3 seeds, one checkpoint
    ],
)
@pytest.mark.parametrize("claim", claims.CLAIMS, ids=lambda c: c.test.__name__)
def test_claims_never_raise_on_sparse_results(claim, table):
    v = claim.test(results(table, scale="small", standins=True))
    assert v.verdict in (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)
    if not table or not any(table.values()):
        assert v.verdict == INCONCLUSIVE


def test_there_are_at_least_two_claims_per_source():
    per = {}
    for c in claims.CLAIMS:
        per[c.source] = per.get(c.source, 0) + 1
    assert set(per) == {"acwgan", "agarwal", "ding", "frank", "zhu"}
    assert min(per.values()) >= 2

"""Every claim's verdict logic on hand-made metric tables: each claim reaches supported, not
supported and inconclusive, by the same standard of evidence both ways."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ganrepro.config import load_params
from ganrepro.report import claims, judging
from ganrepro.report.judging import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Verdict
from ganrepro.report.results import Results
from ganrepro.sources import acwgan, agarwal, ding, frank, zhu


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


def five(centre, spread=0.1):
    """Five seeds around ``centre`` (enough for the exact test)."""
    return [centre + spread * k for k in (-2, -1, 0, 1, 2)]


GOOD, BAD = five(10.0), five(30.0)
NOISY = [5.0, 30.0, 12.0, 22.0, 8.0]  # mean 15.4, wide


def verdicts(claim, tables):
    return [claim(t).verdict for t in tables]


THREE_WAYS = [SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE]


# --- the shared pieces ----------------------------------------------------------------------


def test_compare_reaches_every_verdict_and_says_its_interval_and_power():
    v = judging.compare(GOOD, BAD, "lower")
    assert v.verdict == SUPPORTED and v.p == 2 / 252 and "95% CI" in v.reason
    assert judging.compare(BAD, GOOD, "lower").verdict == NOT_SUPPORTED
    v = judging.compare(NOISY, five(15.0), "lower")
    assert v.verdict == INCONCLUSIVE
    assert "detectable at 80% power" in v.reason and "no difference larger than" in v.reason
    v = judging.compare([1.0], [5.0], "lower")
    assert v.verdict == INCONCLUSIVE and "too few seeds" in v.reason
    assert judging.compare([], five(5.0), "lower").verdict == INCONCLUSIVE
    # 3 + 3 seeds: Welch, and it says so
    v = judging.compare([0.0, 1.0, 2.0], [4.0, 5.0, 6.0], "lower")
    assert v.verdict == SUPPORTED and "assumes normal seed noise" in v.reason


def test_a_margin_claim_is_judged_on_its_interval():
    # "markedly": ratio below 0.75
    assert judging.ratio_margin(GOOD, BAD, None, 0.75, "r").verdict == SUPPORTED
    v = judging.ratio_margin(five(28.0), BAD, None, 0.75, "r")  # better, but only by 7%
    assert v.verdict == NOT_SUPPORTED and "beyond 0.75" in v.reason and v.p < 0.05
    assert judging.ratio_margin(NOISY, five(20.0), None, 0.75, "r").verdict == INCONCLUSIVE
    # "slightly": ratio between 1 and 1.25
    assert judging.ratio_margin(five(11.0), GOOD, 1.0, 1.25, "r").verdict == SUPPORTED
    assert judging.ratio_margin(BAD, GOOD, 1.0, 1.25, "r").verdict == NOT_SUPPORTED  # 3x
    v = judging.ratio_margin(five(9.0), GOOD, 1.0, 1.25, "r")  # better, not worse
    assert v.verdict == NOT_SUPPORTED and "beyond 1" in v.reason and v.p < 0.05
    assert judging.ratio_margin(NOISY, GOOD, 1.0, 1.25, "r").verdict == INCONCLUSIVE
    # no seed spread: no interval, so no verdict (as compare's exact test would need)
    v = judging.ratio_margin([10.0] * 5, [30.0] * 5, None, 0.75, "r")
    assert v.verdict == INCONCLUSIVE and "no seed spread" in v.reason


def test_all_of_is_an_intersection_union_test_with_holm_against():
    ok = Verdict(SUPPORTED, "a", "", 0.01, True)
    weak = Verdict(INCONCLUSIVE, "b", "", 0.5, True)
    against = Verdict(NOT_SUPPORTED, "c", "", 0.03, False)
    assert judging.all_of([ok, ok]).verdict == SUPPORTED
    assert judging.all_of([ok, weak]).verdict == INCONCLUSIVE
    # p 0.03 against, with a second comparison: Holm makes it 0.06 -> not significant
    assert judging.all_of([against, weak]).verdict == INCONCLUSIVE
    strong = Verdict(NOT_SUPPORTED, "d", "", 0.001, False)
    v = judging.all_of([strong, weak])
    assert v.verdict == NOT_SUPPORTED and "Holm" in v.reason


def test_steps_to_converge_is_each_seed_against_its_own_plateau():
    curve = [(0, 300.0), (10, 100.0), (20, 40.0), (30, 30.0), (40, 35.0)]
    # drop 300 -> 30; 90% of it: 57 -> first reached at step 20
    assert judging.steps_to_converge(curve) == 20.0
    assert judging.steps_to_converge(curve, budget=20) == 20.0  # best within 20 is 40
    assert judging.steps_to_converge(curve, budget=10) is None  # two points
    assert judging.steps_to_converge([(10, 5.0), (20, 4.0), (30, 3.0)]) is None  # no step 0
    assert judging.steps_to_converge([(0, 5.0), (10, 6.0), (20, 7.0)]) is None  # no drop


def test_spread_interval_is_reproducible_and_sized_by_the_seed_noise():
    runs = {"a": [1.0, 2.0, 3.0], "b": [5.0, 6.0, 7.0]}

    def gap(means, noise):
        return means["b"] - means["a"]

    d, lo, hi, df, p, sd = judging.spread_interval(runs, gap)
    assert (d, df) == (4.0, 4) and p < 0.05
    assert judging.spread_interval(runs, gap) == (d, lo, hi, df, p, sd)  # fixed RNG seed
    assert 0.816 < sd < 1.3 * 0.816  # the SE of the difference, widened by the uncertain SD
    assert p > 0  # the observed draw counts: never p = 0, however clear the difference
    assert judging.spread_interval({"a": [1.0, 1.0], "b": [2.0, 2.0]}, gap) is None
    # pooled SD 1, SE of the difference sqrt(2/3) = 0.816: the interval is about +-1.96 SE
    # widened by the uncertain SD (t with 4 df: +-2.78 SE)
    assert 4 - 2.9 * 0.816 < lo < 4 - 1.96 * 0.816 and 4 + 1.96 * 0.816 < hi < 4 + 2.9 * 0.816


def test_q_values_across_the_claims_table():
    table = {k: seeds(GOOD) for k in RUN_IDS}
    v = claims.judge_all(results(table, scale="small", standins=True))
    q = claims.qvalues(v)
    assert list(v) == claims.CLAIMS and set(q) == set(v)
    with_p = [c for c in v if v[c].p is not None and not math.isnan(v[c].p)]
    assert with_p and all(q[c] >= v[c].p for c in with_p)
    assert all(q[c] is None for c in v if c not in with_p)


# --- acwgan ---------------------------------------------------------------------------------


def test_acwgan_replicates():
    near = [m(is_mean=v, ex="inception", n_samples=50000) for v in (8.3, 8.5, 8.4)]
    far = [m(is_mean=v, ex="inception", n_samples=50000) for v in (5.0, 5.1, 5.2)]
    quick = results({"acwgan/cifar10": near}, scale="quick", standins=True)
    got = verdicts(
        acwgan.replicates,
        [results({"acwgan/cifar10": near}), results({"acwgan/cifar10": far}), quick],
    )
    assert got == THREE_WAYS
    assert "needs Inception" in acwgan.replicates(quick).reason
    no_inception = results({"acwgan/cifar10": seeds([1.0, 2.0], "is_mean")})
    assert acwgan.replicates(no_inception).verdict == INCONCLUSIVE


def test_acwgan_stl_worse():
    stl = [m(is_mean=v, train_is=10.0) for v in five(3.0)]  # 30% of its real data
    cifar = [m(is_mean=v, train_is=10.0) for v in five(7.0)]  # 70%
    noisy = [m(is_mean=v / 4, train_is=10.0) for v in NOISY]
    tables = [
        results({"acwgan/stl10": stl, "acwgan/cifar10": cifar}),
        results({"acwgan/stl10": cifar, "acwgan/cifar10": stl}),
        results({"acwgan/stl10": noisy, "acwgan/cifar10": stl}),
    ]
    assert verdicts(acwgan.stl_worse, tables) == THREE_WAYS
    r = results({"acwgan/stl10": stl, "acwgan/cifar10": cifar}, standins=True)
    v = acwgan.stl_worse(r)
    assert v.verdict == INCONCLUSIVE and "same photos" in v.reason


def _accuracy(high: set[int]) -> list[float]:
    return [0.9 if c in high else 0.1 for c in range(10)]


def test_acwgan_best_classes_by_an_exact_test_over_class_sets():
    def table(cifar, stl, n=2):
        return results(
            {
                "acwgan/cifar10": [m(class_accuracy=_accuracy(cifar)) for _ in range(n)],
                "acwgan/stl10": [m(class_accuracy=_accuracy(stl)) for _ in range(n)],
            }
        )

    claimed_c, claimed_s = {0, 1, 7, 9}, {0, 2, 6, 9}
    others_c, others_s = set(range(10)) - claimed_c, set(range(10)) - claimed_s
    mixed = {0, 3, 4, 5}  # 1 claimed class of 4 among the best: no signal
    tables = [
        table(claimed_c, claimed_s),
        table(others_c, others_s),
        table(mixed, claimed_s),
    ]
    assert verdicts(acwgan.best_classes, tables) == THREE_WAYS
    v = acwgan.best_classes(tables[0])
    assert v.p == pytest.approx(2 / 210) and "210 sets" in v.reason
    r = table(claimed_c, claimed_s)
    r = results(r.metrics, standins=True)
    v = acwgan.best_classes(r)
    assert v.verdict == INCONCLUSIVE and "real CIFAR-10 and STL-10 classes" in v.reason


# --- agarwal --------------------------------------------------------------------------------


def test_agarwal_dcgan_markedly_better():
    tables = [
        results({"agarwal/dcgan": seeds(GOOD), "agarwal/simple_gan": seeds(BAD)}),
        # better by 7% only: not "markedly"
        results({"agarwal/dcgan": seeds(five(28.0)), "agarwal/simple_gan": seeds(BAD)}),
        results({"agarwal/dcgan": seeds(NOISY), "agarwal/simple_gan": seeds(five(20.0))}),
    ]
    assert verdicts(agarwal.dcgan_better, tables) == THREE_WAYS


def _sweep(dcgan, dcgan_alt, wgan_gp, wgan_gp_alt):
    return results(
        {
            "agarwal/dcgan": seeds(five(dcgan)),
            "agarwal/dcgan_adam_default": seeds(five(dcgan_alt)),
            "agarwal/wgan_gp": seeds(five(wgan_gp)),
            "agarwal/wgan_gp_adam_default": seeds(five(wgan_gp_alt)),
        }
    )


def test_agarwal_robustness_from_the_sweep():
    tables = [
        _sweep(10.0, 30.0, 10.0, 10.5),  # DCGAN's FID triples, WGAN-GP's barely moves
        _sweep(10.0, 10.5, 10.0, 30.0),
        _sweep(10.0, 12.0, 10.0, 11.8),  # both change alike
    ]
    assert verdicts(agarwal.wgan_gp_robust, tables) == THREE_WAYS
    v = agarwal.wgan_gp_robust(tables[0])
    assert "setting variance" in v.measurement and "95% interval" in v.reason
    # a change either way is sensitivity: DCGAN three times better at the defaults counts
    assert agarwal.wgan_gp_robust(_sweep(30.0, 10.0, 10.0, 10.5)).verdict == SUPPORTED
    # a model that plateaus higher is not called robust for it: the same relative change at
    # 10x the FID level reads the same
    same = agarwal.wgan_gp_robust(_sweep(10.0, 30.0, 100.0, 300.0))
    assert same.verdict == INCONCLUSIVE and "within the seed noise" in same.reason
    r = results({"agarwal/wgan_gp": seeds(GOOD), "agarwal/dcgan": seeds(BAD)})
    v = agarwal.wgan_gp_robust(r)
    assert v.verdict == INCONCLUSIVE and "not testable with these runs" in v.reason


def _fid_curve(pairs, ex="classifier"):
    return [{"step": s, "epoch": 0.0, ex: {"fid": f}} for s, f in pairs]


def _converging(at: int, last: int = 4000):
    """A seed whose FID drops from 300 to 20 at step ``at``, then sits near 19."""
    return m(curve=_fid_curve([(0, 300), (at // 2, 200), (at, 20), (last, 19)]))


def _speed_tables(a: str, b: str) -> list[Results]:
    """Run ``a`` converging ~2000 G-iterations after ``b``, before it, and interleaved."""
    slow = [_converging(3000 + 50 * k) for k in range(5)]
    fast = [_converging(1000 + 50 * k) for k in range(5)]
    mixed = [_converging(s) for s in (1000, 3000, 1500, 2800, 2000)]
    return [
        results({a: slow, b: fast}),
        results({a: fast, b: slow}),
        results({a: mixed, b: mixed[::-1]}),
    ]


def test_agarwal_wgan_gp_takes_more_steps():
    tables = _speed_tables("agarwal/wgan_gp", "agarwal/dcgan")
    assert verdicts(agarwal.wgan_gp_slow, tables) == THREE_WAYS


def _white_curve(pairs):
    return [{"step": s, "classifier": {}, "white_fraction": w} for s, w in pairs]


def test_tutorial_step_unit_in_generator_iterations():
    # 7 logs per CIFAR-10 epoch of 782 batches of 64 (batch 100..700): step 0 after 101
    # G-iterations, step 7 after 782 + 101, step 200 after 28 epochs and 501 batches
    assert agarwal.tutorial_step_to_g_iterations(0) == 101
    assert agarwal.tutorial_step_to_g_iterations(7) == 883
    assert agarwal.tutorial_step_to_g_iterations(200) == 28 * 782 + 501 == 22397


def test_agarwal_blobs_when_not_whether_and_refutable_at_full_scale():
    real = 0.01
    on_time = _white_curve([(0, 0.01), (10000, 0.01), (20000, 0.2), (39063, 0.3)])
    r = results({"agarwal/cgan": [m(curve=on_time, ref_white=real) for _ in range(3)]})
    v = agarwal.white_blobs(r)
    assert v.verdict == SUPPORTED and "22397" in v.measurement and "11249-33545" in v.measurement
    early = _white_curve([(0, 0.01), (2000, 0.3), (25000, 0.3), (39063, 0.3)])
    r = results({"agarwal/cgan": [m(curve=early, ref_white=real)]})
    assert agarwal.white_blobs(r).verdict == NOT_SUPPORTED  # blobs, but far too soon
    # clean to the end of the full schedule (50 epochs = 39,063 G-iterations): "never" refutes
    never = _white_curve([(0, 0.01), (25000, 0.01), (39063, 0.01)])
    r = results({"agarwal/cgan": [m(curve=never, ref_white=real) for _ in range(3)]})
    v = agarwal.white_blobs(r)
    assert v.verdict == NOT_SUPPORTED and "never" in v.reason
    r = results({"agarwal/cgan": [m(curve=on_time), m(curve=early)]})
    assert agarwal.white_blobs(r).verdict == INCONCLUSIVE  # seeds disagree
    stops = _white_curve([(0, 0.01), (23000, 0.01), (30000, 0.01)])  # clean, stops in window
    r = results({"agarwal/cgan": [m(curve=stops, ref_white=real)]})
    v = agarwal.white_blobs(r)
    assert v.verdict == INCONCLUSIVE and "undetermined" in v.reason
    short = _white_curve([(0, 0.01), (100, 0.2), (300, 0.3)])  # blobs, but at step 300
    r = results({"agarwal/cgan": [m(curve=short, ref_white=real)]})
    v = agarwal.white_blobs(r)
    assert v.verdict == INCONCLUSIVE and "not testable at this scale" in v.reason


# --- ding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "runs", "expected"),
    [
        (
            claims.get("ding/gp_beats_wgan").test,
            {"ding/wgan_gp": GOOD, "ding/wgan": BAD},
            SUPPORTED,
        ),
        (
            claims.get("ding/gp_beats_wgan").test,
            {"ding/wgan_gp": BAD, "ding/wgan": GOOD},
            NOT_SUPPORTED,
        ),
        (
            claims.get("ding/gp_beats_wgan").test,
            {"ding/wgan_gp": [10.0], "ding/wgan": [30.0]},
            INCONCLUSIVE,
        ),
        (
            claims.get("ding/gp_beats_wgan").test,
            {"ding/wgan_gp": NOISY, "ding/wgan": five(16.0)},
            INCONCLUSIVE,
        ),
        (
            claims.get("ding/cgan_best").test,
            {"ding/cgan": GOOD, "ding/gan": BAD, "ding/wgan": BAD},
            SUPPORTED,
        ),
        (
            claims.get("ding/cgan_best").test,
            {"ding/cgan": GOOD, "ding/gan": BAD, "ding/wgan": five(6.0)},
            NOT_SUPPORTED,
        ),
        (
            claims.get("ding/cgan_best").test,
            {"ding/cgan": GOOD, "ding/gan": BAD, "ding/wgan": GOOD},
            INCONCLUSIVE,
        ),
    ],
)
def test_ding_fid_comparisons(claim, runs, expected):
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
    v = claims.get("ding/gp_beats_wgan").test(r)
    assert v.verdict == SUPPORTED and "(classifier)" in v.measurement
    r = results({"ding/cgan": good, "ding/gan": bad, "ding/wgan": bad})
    assert claims.get("ding/cgan_best").test(r).verdict == SUPPORTED


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
    assert ding.clip_key(_ding(10, 1)).verdict == SUPPORTED
    v = ding.clip_key(_ding(1, 10))
    assert v.verdict == NOT_SUPPORTED and "interval" in v.reason
    # within the noise either way: a small lead and a small shortfall are both inconclusive
    lead, short = ding.clip_key(_ding(1.0, 0.95)), ding.clip_key(_ding(0.95, 1.0))
    assert lead.verdict == short.verdict == INCONCLUSIVE
    assert "within the seed noise" in lead.reason and "within the seed noise" in short.reason
    # the same differences with large seed noise are not significant
    assert ding.clip_key(_ding(3, 1, noise=5.0)).verdict == INCONCLUSIVE
    one = results({f"ding/{x}": seeds([20.0]) for x in ding.TABLE2})
    v = ding.clip_key(one)
    assert v.verdict == INCONCLUSIVE and "too few seeds" in v.reason


def test_ding_spread_is_bias_corrected():
    # settings that do not matter: every mean differs only by seed noise, so the raw variance
    # of the means is noise / n on average; the corrected spread removes exactly that
    means = {"wgan_clip0005": 1.0, "wgan": 2.0, "wgan_clip0015": 3.0}
    n = dict.fromkeys(means, 3)
    assert ding.spread(means, 3.0, "c", n) == pytest.approx(1.0 - 1.0)


def test_ding_lower_c_converges_faster():
    tables = _speed_tables("ding/wgan_clip0015", "ding/wgan_clip0005")  # 0.005 the faster
    assert verdicts(ding.low_c_faster, tables) == THREE_WAYS


def _losses_d(final):
    return {"loss_d": {"final": final, "noise": 0.1, "q05": -1.0, "q95": 1.0}}


def test_ding_losses_measure_quality_by_rank_correlation():
    def table(w_of_fid):
        fids = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]
        return results(
            {
                f"ding/{x}": [m(fid=f, losses=_losses_d(-w_of_fid(f))) for _ in range(2)]
                for x, f in zip(ding.TABLE2, fids, strict=True)
            }
        )

    wiggle = {10.0: 3, 20.0: 1, 30.0: 6, 40.0: 2, 50.0: 7, 60.0: 5, 70.0: 4}
    tables = [table(lambda f: f / 10), table(lambda f: -f / 10), table(wiggle.get)]
    assert verdicts(ding.loss_measures_quality, tables) == THREE_WAYS
    v = ding.loss_measures_quality(tables[2])
    assert "only |rho| >= 0.786" in v.reason
    sparse = results({"ding/wgan": [m(losses=_losses_d(-1.0))]})
    assert ding.loss_measures_quality(sparse).verdict == INCONCLUSIVE


# --- frank ----------------------------------------------------------------------------------


def _late(values, every=100):
    """A FID curve: step 0 at 300, then ``values`` at each checkpoint."""
    return _fid_curve([(0, 300.0), *((every * (i + 1), v) for i, v in enumerate(values))])


CALM = [m(curve=_late([100, 50, 40, 40.5, 40.2, 40.4 + 0.01 * k])) for k in range(5)]
ERRATIC = [m(curve=_late([100, 50, 40, 80 + k, 30, 90])) for k in range(5)]


def test_frank_stability_from_fid_volatility_with_the_loss_view_beside():
    tables = [
        results({"frank/wgan": CALM, "frank/wgan_gp": CALM, "frank/dcgan": ERRATIC}),
        results({"frank/wgan": ERRATIC, "frank/wgan_gp": ERRATIC, "frank/dcgan": CALM}),
        results({"frank/wgan": CALM, "frank/wgan_gp": ERRATIC, "frank/dcgan": ERRATIC}),
    ]
    assert verdicts(frank.wgans_stabler, tables) == THREE_WAYS
    # collapse decides both ways: the vanilla GAN's seeds all diverging supports
    dead = [m(status="diverged", curve=_late([100, 900])) for _ in range(5)]
    r = results({"frank/wgan": ERRATIC, "frank/wgan_gp": ERRATIC, "frank/dcgan": dead})
    v = frank.wgans_stabler(r)
    assert v.verdict == SUPPORTED and "Fisher" in v.reason
    v = frank.wgans_stabler(tables[0])
    assert "volatility" in v.measurement and "roughness" in v.measurement
    # the WGANs collapse (final recall ~0) while DCGAN does not: refuted by Fisher's test
    gone = [m(curve=_late([100, 50, 40, 40.5, 40.2, 40.4]), recall=0.01) for _ in range(5)]
    r = results({"frank/wgan": gone, "frank/wgan_gp": gone, "frank/dcgan": ERRATIC})
    v = frank.wgans_stabler(r)
    assert v.verdict == NOT_SUPPORTED and "Fisher" in v.reason
    # one collapsed WGAN seed is no test result: it does not refute alone
    one = [*CALM[:4], gone[0]]
    r = results({"frank/wgan": one, "frank/wgan_gp": CALM, "frank/dcgan": ERRATIC})
    assert frank.wgans_stabler(r).verdict == SUPPORTED


def test_frank_volatility_is_unit_free():
    # the same relative jumps at 10x the FID level read the same
    a = m(curve=_late([100, 50, 40, 80, 30, 90]))
    b = m(curve=_late([1000, 500, 400, 800, 300, 900]))
    assert frank.volatility(a, "classifier") == pytest.approx(frank.volatility(b, "classifier"))


def test_frank_speed_each_model_to_its_own_plateau_within_the_common_budget():
    # DCGAN drops at ~1000 G-iterations, the WGANs at ~3000; the WGANs run longer (to 5000)
    # and then go lower, which must not count: the budget is DCGAN's 3500.
    def dc(k):
        return m(curve=_fid_curve([(0, 300), (1000 + k, 20), (2000, 19), (3500, 18)]))

    def wg(k):
        return m(curve=_fid_curve([(0, 300), (1000, 100), (3000 + k, 20), (4000, 19), (5000, 5)]))

    fast = [dc(50 * k) for k in range(5)]
    slow = [wg(50 * k) for k in range(5)]
    tables = [
        results({"frank/dcgan": fast, "frank/wgan": slow, "frank/wgan_gp": slow}),
        results({"frank/dcgan": slow, "frank/wgan": fast, "frank/wgan_gp": fast}),
        results({"frank/dcgan": fast, "frank/wgan": fast, "frank/wgan_gp": slow}),
    ]
    assert verdicts(frank.gan_faster, tables) == THREE_WAYS
    assert "common budget of 3500" in frank.gan_faster(tables[0]).measurement
    # a diverged seed neither counts as fast nor cuts the common budget
    gone = m(status="diverged", curve=_fid_curve([(0, 300), (500, 20), (1000, 900)]))
    r = results({"frank/dcgan": fast, "frank/wgan": [*slow, gone], "frank/wgan_gp": slow})
    v = frank.gan_faster(r)
    assert v.verdict == SUPPORTED and "common budget of 3500" in v.measurement
    # a model that plateaus higher is not slower for it: DCGAN stops at 100, reached early
    high = [m(curve=_fid_curve([(0, 300), (500 + 50 * k, 100), (3500, 99)])) for k in range(5)]
    r = results({"frank/dcgan": high, "frank/wgan": slow, "frank/wgan_gp": slow})
    assert frank.gan_faster(r).verdict == SUPPORTED
    r = results({"frank/dcgan": [m()], "frank/wgan": slow, "frank/wgan_gp": slow})
    assert frank.gan_faster(r).verdict == INCONCLUSIVE


def test_frank_wgans_slightly_worse():
    tables = [
        results(
            {
                "frank/dcgan": seeds(GOOD),
                "frank/wgan": seeds(five(11.0)),
                "frank/wgan_gp": seeds(five(11.5)),
            }
        ),
        # three times worse: not "slight"
        results(
            {"frank/dcgan": seeds(GOOD), "frank/wgan": seeds(BAD), "frank/wgan_gp": seeds(BAD)}
        ),
        results(
            {"frank/dcgan": seeds(GOOD), "frank/wgan": seeds(NOISY), "frank/wgan_gp": seeds(NOISY)}
        ),
    ]
    assert verdicts(frank.wgan_worse, tables) == THREE_WAYS


def test_frank_wgans_avoid_collapse_by_recall():
    hi, lo = [m(recall=v) for v in five(0.8, 0.01)], [m(recall=v) for v in five(0.3, 0.01)]
    wide = [m(recall=v) for v in (0.1, 0.9, 0.4, 0.7, 0.2)]
    tables = [
        results({"frank/dcgan": lo, "frank/wgan": hi, "frank/wgan_gp": hi}),
        results({"frank/dcgan": hi, "frank/wgan": lo, "frank/wgan_gp": lo}),
        results({"frank/dcgan": lo, "frank/wgan": hi, "frank/wgan_gp": wide}),
    ]
    assert verdicts(claims.get("frank/wgans_avoid_collapse").test, tables) == THREE_WAYS


# --- zhu ------------------------------------------------------------------------------------


def test_zhu_cfg_beats_wgan_gp():
    hi, lo = five(5.0), five(2.0)

    def run(cfg_cifar):
        return results(
            {
                # MNIST: the classifier says CFG wins; Inception (not the standard) says it loses
                "zhu/cfg_dcgan_mnist": [both(is_mean=v, inception_is=v - 4) for v in hi],
                "zhu/wgan_gp_dcgan_mnist": [both(is_mean=v, inception_is=v + 4) for v in lo],
                "zhu/cfg_dcgan_cifar10": seeds(cfg_cifar, "is_mean"),
                "zhu/wgan_gp_dcgan_cifar10": seeds(lo, "is_mean"),
            }
        )

    wide = [v / 5 for v in NOISY]  # mean 3.1 against 2.0, from 1.0 to 6.0
    assert (
        verdicts(claims.get("zhu/cfg_beats_wgan_gp").test, [run(hi), run(five(1.0)), run(wide)])
        == THREE_WAYS
    )


def test_zhu_dcgan_not_enough_is_the_texts_own_comparison():
    def run(cfg, dcgan):
        return results(
            {
                "zhu/cfg_dcgan_cifar10": seeds(cfg, "is_mean"),
                "zhu/dcgan_cifar10": seeds(dcgan, "is_mean"),
            }
        )

    tables = [run(five(5.0), five(2.0)), run(five(2.0), five(5.0)), run(NOISY, five(15.0))]
    assert verdicts(claims.get("zhu/dcgan_not_enough").test, tables) == THREE_WAYS
    assert "CFG-GAN vs DCGAN" in claims.get("zhu/dcgan_not_enough").test(tables[0]).measurement


def test_zhu_weak_gans_collapse_on_mnist():
    hi, lo = [m(recall=v) for v in five(0.8, 0.01)], [m(recall=v) for v in five(0.3, 0.01)]
    wide = [m(recall=v) for v in (0.1, 0.9, 0.4, 0.7, 0.2)]

    def run(dcgan, other):
        return results(
            {"zhu/dcgan_mnist": dcgan, "zhu/cfg_dcgan_mnist": hi, "zhu/wgan_gp_dcgan_mnist": other}
        )

    assert verdicts(
        claims.get("zhu/weak_gans_collapse").test, [run(lo, hi), run(hi, lo), run(lo, wide)]
    ) == [
        SUPPORTED,
        NOT_SUPPORTED,
        INCONCLUSIVE,
    ]


def _curve(values, key="is_mean", ex="classifier", every=10):
    return [{"step": every * i, "epoch": float(i), ex: {key: v}} for i, v in enumerate(values)]


def test_zhu_resnet_collapse_by_counts():
    def seeds_of(n_collapsed, n):
        return [m(curve=_curve([2, 5.5, 3.0])) for _ in range(n_collapsed)] + [
            m(curve=_curve([2, 3, 4])) for _ in range(n - n_collapsed)
        ]

    def run(cfg, wgp):
        return results({"zhu/cfg_resnet_cifar10": cfg, "zhu/wgan_gp_resnet_cifar10": wgp})

    v = zhu.resnet_collapse(run(seeds_of(5, 5), seeds_of(0, 5)))
    assert v.verdict == SUPPORTED and v.p == pytest.approx(1 / 252)
    # 0 of 5: collapse bounded below 45%, not "frequent"
    v = zhu.resnet_collapse(run(seeds_of(0, 5), seeds_of(0, 5)))
    assert v.verdict == NOT_SUPPORTED and "45%" in v.reason and v.p == pytest.approx(1 / 32)
    assert zhu.resnet_collapse(run(seeds_of(0, 5), seeds_of(5, 5))).verdict == NOT_SUPPORTED
    # 0 of 3 leaves 63%; 3/3 vs 0/3 is Fisher p = 0.05: neither decides
    v = zhu.resnet_collapse(run(seeds_of(0, 3), seeds_of(0, 3)))
    assert v.verdict == INCONCLUSIVE and "63%" in v.reason
    assert zhu.resnet_collapse(run(seeds_of(3, 3), seeds_of(0, 3))).verdict == INCONCLUSIVE
    diverged = [m(status="diverged", curve=_curve([2, 3]))] * 5
    assert zhu.resnet_collapse(run(diverged, seeds_of(0, 5))).verdict == SUPPORTED
    bare = [m(curve=_curve([2])) for _ in range(3)]
    v = zhu.resnet_collapse(run(bare, seeds_of(0, 3)))
    assert v.verdict == INCONCLUSIVE and "fewer than two checkpoints" in v.reason


# --- every claim ----------------------------------------------------------------------------

RUN_IDS = list(load_params(Path(__file__).resolve().parents[2] / "params.yaml").runs)


@pytest.mark.parametrize(
    "table",
    [
        {},  # nothing evaluated
        {k: [] for k in RUN_IDS},  # every seed missing
        {k: [m()] for k in RUN_IDS},  # one seed, no curves, no loss summary (quick scale)
        {k: [m(curve=_curve([5.0], "fid"))] * 3 for k in RUN_IDS},  # 3 seeds, one checkpoint
        {k: [m(fid=10.0, is_mean=2.0)] * 5 for k in RUN_IDS},  # 5 identical seeds
        {k: [m(fid=10.0 + i, is_mean=2.0) for i in range(5)] for k in RUN_IDS},
        {k: [{**m(), "final": {"classifier": None}}] * 3 for k in RUN_IDS},  # damaged
        {k: [m(curve=[{"step": 0, "classifier": 3.0}])] * 3 for k in RUN_IDS},  # damaged
    ],
)
@pytest.mark.parametrize("claim", claims.CLAIMS, ids=lambda c: f"{c.source}:{c.name}")
def test_claims_never_raise_on_sparse_results(claim, table):
    v = claim.judge(results(table, scale="small", standins=True))
    assert v.verdict in (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)
    if not table or not any(table.values()):
        assert v.verdict == INCONCLUSIVE
    assert v.p is None or math.isnan(v.p) or 0 < v.p <= 1


def test_every_claim_quotes_its_sentence_from_the_source_text():
    texts = {
        p.name[:3]: " ".join(p.read_text().split())
        for p in (Path(__file__).resolve().parents[3] / "shared" / "seeds").glob("*.txt")
    }
    number = {"acwgan": "000", "agarwal": "001", "ding": "002", "frank": "003", "zhu": "004"}
    if not texts:
        pytest.skip("the source texts are not beside the checkout")
    for c in claims.CLAIMS:
        assert c.quote and c.quote in texts[number[c.source]], (c.source, c.quote)
    for source, quote, why in claims.UNTESTED:
        assert quote in texts[number[source]] and why, quote


def test_there_are_at_least_two_claims_per_source():
    per = {}
    for c in claims.CLAIMS:
        per[c.source] = per.get(c.source, 0) + 1
    assert set(per) == {"acwgan", "agarwal", "ding", "frank", "zhu"}
    assert min(per.values()) >= 2

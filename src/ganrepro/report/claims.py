"""Each source's qualitative claims, the measurement coded to test each, and its verdict.

A verdict is ``supported``, ``not supported`` or ``inconclusive`` (with the reason). A comparison
between two runs is Welch's t-test on their per-seed values (two-sided, alpha = 0.05): it needs at
least two seeds per run, and the reason gives the p-value and the seeds behind it. A claim made of
several comparisons says how it combines them (:func:`_all`). Claims about absolute values need
the full scale, real data and Inception features.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from ganrepro.report.results import REHEARSAL, Results

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"
ALPHA = 0.05  # significance level of every test, fixed before any result


@dataclass(frozen=True)
class Verdict:
    verdict: str
    measurement: str
    reason: str = ""
    p: float | None = None  # the test's p-value (a combined claim: the one that decided)
    better: bool | None = None  # the measured difference points the claimed way


@dataclass(frozen=True)
class Claim:
    source: str
    text: str
    test: Callable[[Results], Verdict]

    def judge(self, r: Results) -> Verdict:
        """The verdict on ``r``; a measurement that breaks on malformed results is
        inconclusive with the error as its reason, never an exception. In the rehearsal the
        measurement runs (that is what it rehearses) and the verdict is REHEARSAL."""
        try:
            v = self.test(r)
        except (KeyError, IndexError, ZeroDivisionError, TypeError) as exc:
            v = Verdict(INCONCLUSIVE, "could not be measured", f"{type(exc).__name__}: {exc}")
        if r.rehearsal:
            why = f"would read {v.verdict}" + (f" ({v.reason})" if v.reason else "")
            return Verdict(REHEARSAL, v.measurement, why, v.p, v.better)
        return v


def _ms(values: list[float]) -> str:
    """Mean ± sample std over seeds, then the per-seed values."""
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.4g}"
    seeds = ", ".join(f"{v:.4g}" for v in values)
    return f"{statistics.fmean(values):.4g} ± {statistics.stdev(values):.2g} [{seeds}]"


def welch_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of Welch's t-test (unequal variances); NaN when neither run varies
    and the means agree. Two constant runs with different means differ with p = 0."""
    from scipy import stats

    if statistics.variance(a) == 0 and statistics.variance(b) == 0:
        return math.nan if statistics.fmean(a) == statistics.fmean(b) else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def welch(a: list[float], b: list[float], better: str, min_seeds: int = 2) -> Verdict:
    """Is ``a`` better than ``b`` (``better``: "lower" or "higher")? Welch's t-test at ALPHA:
    significant in the claimed direction -> supported, in the other -> not supported."""
    if not a or not b:
        return Verdict(INCONCLUSIVE, "", "a run has no metrics (missing)")
    if len(a) < min_seeds or len(b) < min_seeds:
        return Verdict(
            INCONCLUSIVE,
            "",
            f"too few seeds ({len(a)} and {len(b)}; Welch's t-test needs {min_seeds} per run)",
        )
    diff = statistics.fmean(a) - statistics.fmean(b)
    a_better = diff < 0 if better == "lower" else diff > 0
    p = welch_p(a, b)
    why = f"difference {diff:.3g}, Welch's t-test p = {p:.3g} (alpha {ALPHA})"
    if not p < ALPHA:  # NaN too
        return Verdict(INCONCLUSIVE, "", f"{why}: not significant", p, a_better)
    return Verdict(SUPPORTED if a_better else NOT_SUPPORTED, "", why, p, a_better)


def compare(a: list[float], b: list[float], better: str, min_seeds: int = 2) -> tuple[str, str]:
    """(verdict, reason) of :func:`welch`."""
    v = welch(a, b, better, min_seeds)
    return v.verdict, v.reason


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error at the nominal level)."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    adjusted, running = [math.nan] * len(pvalues), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def _pairwise(
    r: Results, a: str, b: str, key: str, better: str, label: str, extractor: str | None = None
) -> Verdict:
    """Welch's t-test on the per-seed final ``key`` of runs ``a`` and ``b``; ``extractor``
    pins the features (MNIST: the domain classifier, SPEC's standard there)."""
    va, vb = r.final(a, key, extractor), r.final(b, key, extractor)
    name = {"fid": "FID", "is_mean": "IS"}.get(key, key)
    ex = extractor or r.extractor(a) or "?"
    return _measured(
        welch(va, vb, better),
        f"{label}: {name} ({ex}) {a} {_ms(va)} vs {b} {_ms(vb)} ({better} is better)",
    )


def _measured(v: Verdict, measurement: str) -> Verdict:
    return Verdict(v.verdict, measurement, v.reason, v.p, v.better)


def _all(verdicts: list[Verdict]) -> Verdict:
    """Several comparisons that must all hold. Supported when every one is significant in the
    claimed direction (an intersection-union test: valid at alpha without correction); not
    supported when one points the other way significantly after Holm's correction over the
    comparisons; inconclusive otherwise."""
    text = "; ".join(v.measurement for v in verdicts)
    reasons = "; ".join(v.reason for v in verdicts if v.reason)
    if all(v.verdict == SUPPORTED for v in verdicts):
        p = max(v.p for v in verdicts if v.p is not None) if verdicts else None
        return Verdict(SUPPORTED, text, f"all significant (intersection-union test); {reasons}", p)
    ps = [v.p if v.p is not None and not math.isnan(v.p) else 1.0 for v in verdicts]
    against = [
        (adj, v)
        for adj, v in zip(holm(ps), verdicts, strict=True)
        if v.better is False and adj < ALPHA
    ]
    if against:
        adj = min(a for a, _ in against)
        return Verdict(
            NOT_SUPPORTED,
            text,
            f"a comparison goes against it (Holm-adjusted p = {adj:.3g}); {reasons}",
            adj,
        )
    return Verdict(INCONCLUSIVE, text, reasons)


MNIST_FEATURES = "classifier"  # SPEC: the domain classifier is the standard metric for MNIST


def _features(r: Results, run_id: str, extractor: str | None = None) -> str:
    return extractor or r.extractor(run_id) or "classifier"


def _curve_of(m: dict, key: str, extractor: str) -> list[tuple[int, float]]:
    """One seed's [(step, value)] over its checkpoints, in step order; checkpoints without a
    finite value are skipped (a small run may have few checkpoints, an old one none)."""
    out = []
    for c in m.get("curve") or []:
        v = c.get(key, (c.get(extractor) or {}).get(key))
        if "step" in c and isinstance(v, int | float) and math.isfinite(v):
            out.append((int(c["step"]), float(v)))
    return sorted(out)


def _full_scale_only(r: Results, run_id: str) -> str | None:
    if r.standins or r.scale != "full":
        return (
            f"{r.scale} scale on stand-in data: IS 8.42 needs Inception features of samples of "
            "a model trained on the real CIFAR-10 (50k samples)"
        )
    if r.extractor(run_id) != "inception":
        return "no Inception features (weights missing): IS 8.42 is an Inception score"
    return None


def _spread_interval(
    runs: dict[str, list[float]],
    statistic: Callable[[dict[str, float]], float],
    draws: int = 20000,
    level: float = 0.95,
) -> tuple[float, float, float, int] | None:
    """Observed ``statistic`` of the runs' mean values and its ``level`` interval by a
    parametric bootstrap of the seed noise: each run's mean is redrawn as
    N(mean, s^2 / n_seeds) with the pooled within-run seed SD s, itself redrawn from its
    chi-square law (df = seeds - runs); fixed RNG seed. None when no run has two seeds.
    (A non-parametric bootstrap over 3 seeds has too few distinct resamples to size noise.)"""
    import numpy as np

    df = sum(len(v) - 1 for v in runs.values())
    if df < 1:
        return None
    pooled = math.sqrt(
        sum((len(v) - 1) * statistics.variance(v) for v in runs.values() if len(v) > 1) / df
    )
    names = list(runs)
    means = np.array([statistics.fmean(runs[k]) for k in names])
    n = np.array([len(runs[k]) for k in names], dtype=float)
    rng = np.random.default_rng(0)
    sd = pooled * np.sqrt(rng.chisquare(df, draws) / df)
    sims = means + rng.standard_normal((draws, len(names))) * sd[:, None] / np.sqrt(n)
    stats_ = [statistic(dict(zip(names, row, strict=True))) for row in sims]
    lo, hi = np.quantile(stats_, [(1 - level) / 2, (1 + level) / 2])
    observed = statistic(dict(zip(names, means, strict=True)))
    return float(observed), float(lo), float(hi), df


def _interval_verdict(found, text: str, what: str) -> Verdict:
    """Symmetric: the interval above 0 -> supported, below 0 -> not supported, across 0 (a
    difference within the seed noise, either way) -> inconclusive."""
    if found is None:
        return Verdict(INCONCLUSIVE, text, "too few seeds to size the seed noise (needs 2 a run)")
    d, lo, hi, df = found
    why = (
        f"{what} {d:.3g}, 95% interval [{lo:.3g}, {hi:.3g}] (parametric bootstrap of the "
        f"seed noise, pooled SD with {df} df)"
    )
    if lo > 0:
        return Verdict(SUPPORTED, text, why, better=True)
    if hi < 0:
        return Verdict(NOT_SUPPORTED, text, why, better=False)
    return Verdict(INCONCLUSIVE, text, f"{why}: within the seed noise", better=d > 0)


# --- acwgan ---------------------------------------------------------------------------------


def acwgan_replicates(r: Results) -> Verdict:
    """The source text: CIFAR-10 samples "seem to replicate the results of [3]" (Gulrajani et al.,
    whose AC-WGAN-GP reaches IS 8.42 ± 0.10, supervised). Judged as the literature anchor is
    (:mod:`ganrepro.report.anchors`): under its protocol, within its declared tolerance."""
    from ganrepro.report.anchors import ANCHOR_OF, NOT_REPRODUCED, REPRODUCED, anchor_verdict

    run = "acwgan/cifar10"
    values = r.final(run, "is_mean", "inception")
    text = f"Inception score of acwgan/cifar10: {_ms(values)} vs 8.42 ± 0.10 (Gulrajani et al.)"
    why = _full_scale_only(r, run)
    if why:
        return Verdict(INCONCLUSIVE, text, why)
    verdict, reason = anchor_verdict(r, ANCHOR_OF[run])
    outcome = {REPRODUCED: SUPPORTED, NOT_REPRODUCED: NOT_SUPPORTED}.get(verdict, INCONCLUSIVE)
    return Verdict(outcome, text, reason if outcome != INCONCLUSIVE else f"{verdict}: {reason}")


def _relative_is(r: Results, run_id: str) -> list[float]:
    """Per seed: IS of samples / IS of the run's own real training data (same features)."""
    out = []
    for m in r.metrics.get(run_id, []):
        ex = _features(r, run_id)
        try:
            out.append(m["final"][ex]["is_mean"] / m["reference"][ex]["train_is"][0])
        except (KeyError, IndexError, TypeError, ZeroDivisionError):
            continue
    return out


def acwgan_stl_worse(r: Results) -> Verdict:
    """The source text: STL-10 resized to 32x32 does "not quite reach the same quality" as
    CIFAR-10. Each run's IS is divided by its own real data's IS (the datasets differ)."""
    a, b = _relative_is(r, "acwgan/stl10"), _relative_is(r, "acwgan/cifar10")
    v = _measured(
        welch(a, b, "lower"),
        f"IS / real-data IS: stl10 {_ms(a)} vs cifar10 {_ms(b)} (lower is worse)",
    )
    if r.standins:  # both stand-ins are the same photos
        return Verdict(
            INCONCLUSIVE,
            v.measurement,
            "needs the real STL-10 and CIFAR-10: with stand-ins both datasets are the same "
            "photos, so no downscaling effect exists to measure",
        )
    return v


def acwgan_best_classes(r: Results) -> Verdict:
    per_seed = [
        m["final"]["classifier"]["class_accuracy"]
        for m in r.metrics.get("acwgan/cifar10", [])
        if "class_accuracy" in m["final"].get("classifier", {})
    ]
    claimed = {0, 1, 7, 9}  # airplane, automobile, horse, truck
    if not per_seed:
        return Verdict(INCONCLUSIVE, "per-class accuracy of samples: n/a", "missing")
    mean = [statistics.fmean(s[c] for s in per_seed) for c in range(10)]
    top = set(sorted(range(10), key=lambda c: -mean[c])[:4])
    text = (
        f"classes with the highest classifier accuracy on samples: {sorted(top)} "
        f"(claimed: planes 0, cars 1, horses 7, trucks 9)"
    )
    if r.standins:
        return Verdict(
            INCONCLUSIVE,
            text,
            "needs the real CIFAR-10 classes: a stand-in class is one photo, not planes, cars, "
            "horses or trucks",
        )
    if len(per_seed) < 2:
        return Verdict(INCONCLUSIVE, text, "too few seeds (needs 2)")
    hits = len(top & claimed)
    return Verdict(
        SUPPORTED if hits >= 3 else NOT_SUPPORTED,
        text,
        f"{hits} of the 4 claimed classes in the top 4 (criterion: at least 3)",
    )


# --- agarwal --------------------------------------------------------------------------------


def agarwal_dcgan_better(r: Results) -> Verdict:
    return _pairwise(r, "agarwal/dcgan", "agarwal/simple_gan", "fid", "lower", "final")


def _relative_range(means: list[float]) -> float:
    return (max(means) - min(means)) / max(abs(statistics.fmean(means)), 1e-12)


def agarwal_wgan_gp_robust(r: Results) -> Verdict:
    """The source text: WGAN-GP "is less sensitive towards hyperparameters" (than DCGAN, "also very
    sensitive towards hyperparameters"). Sensitivity is the spread of final FID across
    hyper-parameter settings of one model (range of the settings' mean FID / their mean: FID
    levels differ between models), never across seeds (seed spread is not hyper-parameter
    sensitivity). The settings are the runs ``agarwal/{model}`` and ``agarwal/{model}_*``; the
    difference of the two sensitivities is judged against the seed noise (parametric bootstrap,
    :func:`_spread_interval`). params.yaml runs each model at one setting: inconclusive."""
    sweeps = {}
    for model in ("wgan_gp", "dcgan"):
        ids = sorted(
            k
            for k, v in r.metrics.items()
            if v and (k == f"agarwal/{model}" or k.startswith(f"agarwal/{model}_"))
        )
        sweeps[model] = {k: r.final(k, "fid") for k in ids if r.final(k, "fid")}
    text = "relative range of mean final FID across hyper-parameter settings: " + ", ".join(
        f"{model} over {len(runs)} setting(s)" for model, runs in sweeps.items()
    )
    if any(len(runs) < 2 for runs in sweeps.values()):
        return Verdict(
            INCONCLUSIVE,
            text,
            "not testable with these runs: it needs each model trained at two or more "
            "hyper-parameter settings (agarwal/{model}_* runs); ours vary seeds only",
        )
    groups = {model: tuple(runs) for model, runs in sweeps.items()}
    runs = {k: v for model in sweeps.values() for k, v in model.items()}

    def sensitivity_gap(means):  # > 0: DCGAN the more sensitive
        return _relative_range([means[k] for k in groups["dcgan"]]) - _relative_range(
            [means[k] for k in groups["wgan_gp"]]
        )

    found = _spread_interval(runs, sensitivity_gap)
    if found is not None:
        ws = _relative_range([statistics.fmean(runs[k]) for k in groups["wgan_gp"]])
        ds = _relative_range([statistics.fmean(runs[k]) for k in groups["dcgan"]])
        text = f"{text}: wgan_gp {ws:.3g} vs dcgan {ds:.3g}"
    return _interval_verdict(found, text, "dcgan's minus wgan_gp's relative range")


# The WGAN-GP tutorial agarwal's report follows (aladdinpersson/Machine-Learning-Collection,
# ML/Pytorch/GANs/4. WGAN-GP/train.py, commit 65b8c80): its TensorBoard "step" counts image
# logs, not iterations. l.69 `for batch_idx, (real, _) in enumerate(loader):` (one generator
# iteration per batch; l.75-78 repeat the critic steps on that same real batch), l.96
# `if batch_idx % 100 == 0 and batch_idx > 0:`, l.108 `add_image(..., global_step=step)`,
# l.111 `step += 1`; BATCH_SIZE = 64 (l.19). On CIFAR-10's 50k training images an epoch is
# 782 batches, i.e. 7 logs (batch 100..700): step s is logged after
# (s // 7) * 782 + (s % 7 + 1) * 100 + 1 generator iterations; step 200 ~ 22.4k.
TUTORIAL_BATCHES_PER_EPOCH = math.ceil(50000 / 64)
TUTORIAL_LOGS_PER_EPOCH = len(range(100, TUTORIAL_BATCHES_PER_EPOCH, 100))
BLOB_STEP = 200  # the source text: "in the later (after around 200) steps white colour blobs start"


def tutorial_step_to_g_iterations(step: int) -> int:
    """The tutorial's TensorBoard step -> generator iterations done when it was logged."""
    epoch, k = divmod(step, TUTORIAL_LOGS_PER_EPOCH)
    return epoch * TUTORIAL_BATCHES_PER_EPOCH + (k + 1) * 100 + 1


def agarwal_white_blobs(r: Results) -> Verdict:
    """*When* blobs appear: per seed, the first checkpoint whose near-white pixel share is more
    than twice the real data's (the onset), in generator iterations (our checkpoints' step; the
    tutorial's unit converted above). "~200 steps" is read as within a factor of two: onset
    between tutorial steps 100 and 400. A seed whose last checkpoint is before step 200 cannot
    test it (not testable at this scale); one clean up to step 200 but stopping before 400 is
    undetermined. All testable seeds on time -> supported; all early, late or never ->
    not supported; otherwise inconclusive."""
    claimed = tutorial_step_to_g_iterations(BLOB_STEP)
    lo = tutorial_step_to_g_iterations(BLOB_STEP // 2)
    hi = tutorial_step_to_g_iterations(2 * BLOB_STEP)
    kinds, onsets, lasts = [], [], []
    for m in r.metrics.get("agarwal/cgan", []):
        curve = _curve_of(m, "white_fraction", "")
        real = (m.get("reference") or {}).get("white_fraction")
        if not curve or real is None:
            kinds.append("no curve")
            continue
        last = curve[-1][0]
        lasts.append(last)
        onset = next((s for s, v in curve if v > 2 * max(real, 1e-6)), None)
        onsets.append(onset)
        if last < claimed:
            kinds.append("untestable")
        elif onset is None:
            kinds.append("never" if last >= hi else "undetermined")
        else:
            kinds.append("early" if onset < lo else "late" if onset > hi else "on time")
    text = (
        "first checkpoint (G-iterations) with more than twice the real data's near-white pixel "
        f"share in cgan samples, per seed: {['none' if o is None else o for o in onsets]}; "
        f"claimed ~{BLOB_STEP} tutorial steps = {claimed} G-iterations (window {lo}-{hi})"
    )
    testable = [k for k in kinds if k not in ("untestable", "no curve")]
    if not testable:
        if not lasts:
            return Verdict(INCONCLUSIVE, text, "agarwal/cgan has no white-share curve")
        return Verdict(
            INCONCLUSIVE,
            text,
            f"not testable at this scale: the last checkpoint ({max(lasts)} G-iterations) is "
            f"before the claimed onset ({claimed})",
        )
    seeds = ", ".join(kinds)
    if all(k == "on time" for k in testable):
        return Verdict(SUPPORTED, text, f"onset within the window in every testable seed ({seeds})")
    if all(k in ("early", "late", "never") for k in testable):
        return Verdict(NOT_SUPPORTED, text, f"onset outside the window ({seeds})")
    return Verdict(INCONCLUSIVE, text, f"seeds disagree or are undetermined ({seeds})")


# --- ding -----------------------------------------------------------------------------------


def ding_cgan_best(r: Results) -> Verdict:
    return _all(
        [
            _pairwise(r, "ding/cgan", f"ding/{o}", "fid", "lower", "final", MNIST_FEATURES)
            for o in ("gan", "wgan")
        ]
    )


DING_GROUPS = {
    "c": ("wgan_clip0005", "wgan", "wgan_clip0015"),
    "n_critic": ("wgan_ncritic3", "wgan", "wgan_ncritic7"),
    "lr": ("wgan_lr3e4", "wgan", "wgan_lr1e3"),
}


def ding_clip_key(r: Results) -> Verdict:
    """The source text: c "is the key factor affecting the quality of generated image". Per setting
    group (c, n_critic, lr; each with the default run in the middle), the spread (max - min)
    of the runs' mean final FID (classifier features: MNIST); statistic d = c's spread minus
    the larger of the other two. Symmetric: d's 95% interval (parametric bootstrap of the seed
    noise, :func:`_spread_interval`) above 0 -> supported, below 0 -> not supported, across 0
    -> inconclusive, whichever way the point estimate leans."""
    runs = {x: r.final(f"ding/{x}", "fid", MNIST_FEATURES) for g in DING_GROUPS.values() for x in g}
    if not all(runs.values()):
        missing = sorted(k for k, v in runs.items() if not v)
        return Verdict(
            INCONCLUSIVE, "spread of FID per setting group: n/a", f"missing runs: {missing}"
        )

    def spread(means, group):
        vals = [means[x] for x in DING_GROUPS[group]]
        return max(vals) - min(vals)

    def lead(means):
        return spread(means, "c") - max(spread(means, "n_critic"), spread(means, "lr"))

    means = {k: statistics.fmean(v) for k, v in runs.items()}
    text = "spread (max - min) of mean final FID (classifier) within each group: " + ", ".join(
        f"{g} {spread(means, g):.3g}" for g in DING_GROUPS
    )
    return _interval_verdict(_spread_interval(runs, lead), text, "c's lead over the others")


def ding_gp_beats_wgan(r: Results) -> Verdict:
    return _pairwise(r, "ding/wgan_gp", "ding/wgan", "fid", "lower", "final", MNIST_FEATURES)


# --- frank ----------------------------------------------------------------------------------

FRANK_WGANS = ("frank/wgan", "frank/wgan_gp")
RECALL_COLLAPSE = 0.05  # final recall below this: the samples cover almost none of the data


def _roughness(m: dict, key: str = "loss_g") -> float | None:
    """Step-to-step fluctuation of the loss over the second half of training divided by the
    extent (5-95% quantile range) of the run's own loss curve. Unit-free: BCE losses (nats)
    and Wasserstein losses (critic units, scaled by c or the GP) are each measured against
    their own curve, as the source text reads each model's loss plot on its own axes ("we cannot
    compare losses directly, as they are all different"); an erratic curve keeps jumping by a
    large share of its range late in training, a stable one drifts or settles."""
    s = (m.get("losses") or {}).get(key)
    if not s:
        return None
    extent = s["q95"] - s["q05"]
    return s["noise"] / extent if extent > 0 else None


def _collapsed_final(m: dict, ex: str) -> bool:
    recall = (m["final"].get(ex) or {}).get("recall")
    low = isinstance(recall, int | float) and math.isfinite(recall) and recall < RECALL_COLLAPSE
    return m["status"] == "diverged" or low


def frank_wgans_stabler(r: Results) -> Verdict:
    """The source text argues from the loss curves ("much more stable training via investigation of
    the loss curves compared to the vanilla GAN, which behaves quite erratically") and from
    collapse ("did appear to stabilize the training and avoid mode collapse"). Per seed, the
    generator loss's roughness (:func:`_roughness`, from metrics.json's ``losses``; diverged
    seeds count as collapsed instead); each WGAN against frank/dcgan by Welch's t-test, both
    must hold (:func:`_all`). Collapse (diverged, or final recall below 0.05) can only refute:
    WGAN seeds collapsing more often than DCGAN's -> not supported."""
    runs = ("frank/dcgan", *FRANK_WGANS)
    rough, collapsed = {}, {}
    for run in runs:
        ms, ex = r.metrics.get(run, []), _features(r, run)
        rough[run] = [
            x for m in ms if m["status"] != "diverged" and (x := _roughness(m)) is not None
        ]
        collapsed[run] = [_collapsed_final(m, ex) for m in ms]
    no_losses = [run for run in runs if r.metrics.get(run) and not rough[run]]
    verdicts = [
        _measured(
            welch(rough[run], rough["frank/dcgan"], "lower"),
            f"G-loss roughness (late step-to-step SD / the curve's 5-95% range): {run} "
            f"{_ms(rough[run])} vs frank/dcgan {_ms(rough['frank/dcgan'])}",
        )
        for run in FRANK_WGANS
    ]
    v = _all(verdicts)
    counts = ", ".join(f"{run} {sum(collapsed[run])}/{len(collapsed[run])}" for run in runs)
    text = f"{v.measurement}; collapsed seeds (diverged or final recall < {RECALL_COLLAPSE}): "
    text += counts
    wg = [c for run in FRANK_WGANS for c in collapsed[run]]
    dc = collapsed["frank/dcgan"]
    if wg and dc and sum(wg) / len(wg) > sum(dc) / len(dc):
        return Verdict(NOT_SUPPORTED, text, "the WGANs collapsed more often than the vanilla GAN")
    if no_losses and v.verdict == INCONCLUSIVE:
        why = f"no loss summary in metrics.json of {no_losses} (evaluated before it was added)"
        return Verdict(INCONCLUSIVE, text, why)
    return Verdict(v.verdict, text, v.reason, v.p, v.better)


def _steps_to_common_fid(r: Results, a: str, b: str):
    """Per seed of runs ``a`` and ``b``: the generator iterations (checkpoint ``step``) at
    which FID first reaches a threshold fixed by rule before looking at the comparison: the
    level every seed of both runs reaches within the common budget (the worst seed's best FID,
    counting only checkpoints up to the shortest seed's last one). Diverged seeds are left out.
    Returns (steps a, steps b, threshold, budget) or a reason."""
    curves = {}
    for run in (a, b):
        ex = _features(r, run)
        curves[run] = [
            c
            for m in r.metrics.get(run, [])
            if m["status"] != "diverged" and (c := _curve_of(m, "fid", ex))
        ]
    if not all(curves.values()):
        return "a run has no FID curve (no metrics or no checkpoints)"
    budget = min(c[-1][0] for cs in curves.values() for c in cs)
    within = {run: [[p for p in c if p[0] <= budget] for c in cs] for run, cs in curves.items()}
    if any(len(c) < 2 for cs in within.values() for c in cs):
        return f"fewer than two checkpoints within the common budget ({budget} G-iterations)"
    threshold = max(min(f for _, f in c) for cs in within.values() for c in cs)
    steps = {
        run: [next(s for s, f in c if f <= threshold) for c in cs] for run, cs in within.items()
    }
    return [float(x) for x in steps[a]], [float(x) for x in steps[b]], threshold, budget


def frank_gan_faster(r: Results) -> Verdict:
    """The source text: "the FID graph suggests that the vanilla GAN is able to converge faster (40
    epochs vs. 100 epochs)" -- but 40 and 100 are the budgets each was given, so the epoch of
    the best FID measures the budget. Common axis: generator iterations (the checkpoints'
    ``step``). Why G-iterations rather than epochs (real images seen by D): the generator's
    images change only at G updates; a WGAN critic reads 5 batches per G update, so epochs
    favour the 1:1 DCGAN five-fold for the same generator progress; and at full scale both
    budgets are ~15.6k G-iterations (40 x 50k / 128 vs 100 x 50k / (64 x 5)), so the common
    budget cuts little. Per seed, iterations to a common FID threshold
    (:func:`_steps_to_common_fid`); Welch's t-test, DCGAN against each WGAN, both must hold.
    Resolution is the checkpoint spacing."""
    verdicts = []
    for run in FRANK_WGANS:
        found = _steps_to_common_fid(r, "frank/dcgan", run)
        if isinstance(found, str):
            label = f"G-iterations to a common FID: frank/dcgan vs {run}: n/a"
            verdicts.append(Verdict(INCONCLUSIVE, label, found))
            continue
        a, b, threshold, budget = found
        verdicts.append(
            _measured(
                welch(a, b, "lower"),
                f"G-iterations to first reach FID {threshold:.4g} (reached by every seed within "
                f"the common budget of {budget} G-iterations): frank/dcgan {_ms(a)} vs {run} "
                f"{_ms(b)}",
            )
        )
    return _all(verdicts)


def frank_wgan_worse(r: Results) -> Verdict:
    """The source text: "there seems to be a slight decrease in image quality [of the WGANs]
    compared to the vanilla GAN": final FID of DCGAN lower than each WGAN's (both hold)."""
    return _all([_pairwise(r, "frank/dcgan", run, "fid", "lower", "final") for run in FRANK_WGANS])


# --- zhu ------------------------------------------------------------------------------------


def zhu_cfg_beats_wgan_gp(r: Results) -> Verdict:
    return _all(
        [
            _pairwise(
                r,
                f"zhu/cfg_dcgan_{d}",
                f"zhu/wgan_gp_dcgan_{d}",
                "is_mean",
                "higher",
                d,
                MNIST_FEATURES if d == "mnist" else None,
            )
            for d in ("mnist", "cifar10")
        ]
    )


def _collapsed(r: Results, run_id: str) -> list[bool | None]:
    """Per seed: diverged, or IS fell by more than 30% between consecutive checkpoints; None
    when a seed that did not diverge has fewer than two checkpoints (a fall cannot show)."""
    out = []
    ex = _features(r, run_id)
    for m in r.metrics.get(run_id, []):
        curve = [v for _, v in _curve_of(m, "is_mean", ex)]
        if m["status"] == "diverged":
            out.append(True)
        elif len(curve) < 2:
            out.append(None)
        else:
            drops = [(a - b) / a for a, b in zip(curve, curve[1:], strict=False) if a > 0]
            out.append(max([0.0, *drops]) > 0.3)
    return out


def zhu_resnet_collapse(r: Results) -> Verdict:
    cfg, wgp = _collapsed(r, "zhu/cfg_resnet_cifar10"), _collapsed(r, "zhu/wgan_gp_resnet_cifar10")
    text = (
        f"seeds that collapsed (diverged or IS fell > 30% between checkpoints): CFG-GAN "
        f"{sum(bool(c) for c in cfg)}/{len(cfg)}, WGAN-GP {sum(bool(c) for c in wgp)}/{len(wgp)}"
    )
    if not cfg or not wgp:
        return Verdict(INCONCLUSIVE, text, "missing")
    if any(cfg) and not any(wgp) and None not in wgp:
        return Verdict(SUPPORTED, text)
    if any(wgp):
        return Verdict(NOT_SUPPORTED, text, "WGAN-GP collapsed too")
    if None in cfg + wgp:
        return Verdict(INCONCLUSIVE, text, "a seed has fewer than two checkpoints of IS")
    if len(cfg) < 2:
        return Verdict(INCONCLUSIVE, text, "no collapse in too few seeds to rule it out")
    return Verdict(NOT_SUPPORTED, text, "CFG-GAN did not collapse")


def zhu_dcgan_not_enough(r: Results) -> Verdict:
    """The source text: "For CIFAR-10 dataset, DCGAN is not enough to produce clear images due
    to its limitation in complexity", in the section whose results are "based on DC-GAN framework",
    before "When it turns to ResNet structure, where WGAN-GP could produce benchmark results".
    Read: the DCGAN *architecture* lacks the capacity CIFAR-10 needs. Tested where the loss is
    held fixed: WGAN-GP with the ResNet vs with the DCGAN architecture on CIFAR-10 (IS, higher
    is better). The BCE run (SPEC's "DCGAN (BCE)") has no ResNet twin, so it cannot separate
    capacity from the loss; CFG-GAN's ResNet run is the collapse claim's subject."""
    return _pairwise(
        r,
        "zhu/wgan_gp_resnet_cifar10",
        "zhu/wgan_gp_dcgan_cifar10",
        "is_mean",
        "higher",
        "CIFAR-10, WGAN-GP loss, ResNet vs DCGAN architecture",
    )


CLAIMS: list[Claim] = [
    Claim(
        "acwgan", "CIFAR-10 samples replicate Gulrajani et al. (IS near 8.42)", acwgan_replicates
    ),
    Claim(
        "acwgan",
        "STL-10 at 32x32 is worse than CIFAR-10 (each against its real data)",
        acwgan_stl_worse,
    ),
    Claim("acwgan", "cars, horses, trucks and planes are the best classes", acwgan_best_classes),
    Claim("agarwal", "DCGAN improves markedly on the simple GAN", agarwal_dcgan_better),
    Claim(
        "agarwal",
        "WGAN-GP is less sensitive to hyper-parameters than DCGAN",
        agarwal_wgan_gp_robust,
    ),
    Claim("agarwal", "the conditional GAN grows white blobs after ~200 steps", agarwal_white_blobs),
    Claim("ding", "CGAN gives the best digits of GAN / WGAN / CGAN", ding_cgan_best),
    Claim(
        "ding",
        "the clipping value c matters more than n_critic or the learning rate",
        ding_clip_key,
    ),
    Claim("ding", "the improved WGAN (gradient penalty) beats WGAN", ding_gp_beats_wgan),
    Claim("frank", "WGAN and WGAN-GP train more stably than the vanilla GAN", frank_wgans_stabler),
    Claim(
        "frank", "the vanilla GAN converges faster (G-iterations to a common FID)", frank_gan_faster
    ),
    Claim(
        "frank",
        "the WGANs' images are slightly worse than the vanilla GAN's (final FID)",
        frank_wgan_worse,
    ),
    Claim(
        "zhu",
        "with the DCGAN architecture CFG-GAN beats WGAN-GP (IS), MNIST and CIFAR-10",
        zhu_cfg_beats_wgan_gp,
    ),
    Claim(
        "zhu",
        "with ResNet, WGAN-GP trains stably while CFG-GAN collapses suddenly",
        zhu_resnet_collapse,
    ),
    Claim(
        "zhu",
        "the DCGAN architecture is not enough for CIFAR-10 (its limited capacity)",
        zhu_dcgan_not_enough,
    ),
]

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

from ganrepro.report.results import Results

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


def _pairwise(r: Results, a: str, b: str, key: str, better: str, label: str) -> Verdict:
    va, vb = r.final(a, key), r.final(b, key)
    name = {"fid": "FID", "is_mean": "IS"}.get(key, key)
    ex = r.extractor(a) or "?"
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


def _full_scale_only(r: Results, run_id: str) -> str | None:
    if r.standins or r.scale != "full":
        return "quick scale on stand-in data: not comparable with the published value"
    if r.extractor(run_id) != "inception":
        return "no Inception features (weights missing): not comparable"
    return None


# --- acwgan ---------------------------------------------------------------------------------


def acwgan_replicates(r: Results) -> Verdict:
    run = "acwgan/cifar10"
    values = r.final(run, "is_mean", "inception") or r.final(run, "is_mean")
    text = f"IS of acwgan/cifar10: {_ms(values)} vs 8.42 ± 0.10 (Gulrajani et al. 2017)"
    why = _full_scale_only(r, run)
    if why or not values:
        return Verdict(INCONCLUSIVE, text, why or "missing")
    ok = abs(statistics.fmean(values) - 8.42) <= 0.5
    return Verdict(SUPPORTED if ok else NOT_SUPPORTED, text, "criterion: within 0.5 of 8.42")


def _relative_is(r: Results, run_id: str) -> list[float]:
    out = []
    for m in r.metrics.get(run_id, []):
        ex = "inception" if "inception" in m["final"] else "classifier"
        out.append(m["final"][ex]["is_mean"] / m["reference"][ex]["train_is"][0])
    return out


def acwgan_stl_worse(r: Results) -> Verdict:
    a, b = _relative_is(r, "acwgan/stl10"), _relative_is(r, "acwgan/cifar10")
    v = _measured(
        welch(a, b, "lower"),
        f"IS / real-data IS: stl10 {_ms(a)} vs cifar10 {_ms(b)} (lower is worse)",
    )
    if r.standins and v.verdict != INCONCLUSIVE:  # both stand-ins are the same photos
        return Verdict(
            INCONCLUSIVE, v.measurement, "with stand-ins both datasets are the same photos"
        )
    return v


def acwgan_best_classes(r: Results) -> Verdict:
    per_seed = [
        m["final"]["classifier"]["class_accuracy"] for m in r.metrics.get("acwgan/cifar10", [])
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
        return Verdict(INCONCLUSIVE, text, "stand-in classes are photos, not CIFAR-10 classes")
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


def agarwal_wgan_gp_robust(r: Results) -> Verdict:
    """Sensitivity as the spread of final FID across seeds (coefficient of variation)."""

    def cv(run):
        v = r.final(run, "fid")
        return (statistics.stdev(v) / statistics.fmean(v)) if len(v) >= 3 else None

    a, b = cv("agarwal/wgan_gp"), cv("agarwal/dcgan")
    text = (
        f"coefficient of variation of final FID across seeds: wgan_gp "
        f"{'n/a' if a is None else f'{a:.3g}'} vs dcgan {'n/a' if b is None else f'{b:.3g}'}"
    )
    if a is None or b is None:
        return Verdict(INCONCLUSIVE, text, "needs at least 3 seeds per run")
    if abs(a - b) < 0.25 * max(a, b):
        return Verdict(INCONCLUSIVE, text, "spreads within 25% of each other")
    return Verdict(SUPPORTED if a < b else NOT_SUPPORTED, text)


def agarwal_white_blobs(r: Results) -> Verdict:
    """Near-white pixel share of cgan samples after step 200 vs the real data's."""
    curves = r.curves("agarwal/cgan", "white_fraction")
    real = [m["reference"]["white_fraction"] for m in r.metrics.get("agarwal/cgan", [])]
    late = [v for c in curves for step, v in c if step >= 200 and v is not None]
    text = (
        f"near-white pixel share of cgan samples at checkpoints from step 200: {_ms(late)} "
        f"vs real data {_ms(real)}"
    )
    if not late:
        return Verdict(INCONCLUSIVE, text, "no checkpoint at or after step 200")
    ratio = statistics.fmean(late) / max(statistics.fmean(real), 1e-6)
    return Verdict(
        SUPPORTED if ratio > 2 else NOT_SUPPORTED,
        text,
        f"ratio {ratio:.2g} (criterion: more than twice the real share)",
    )


# --- ding -----------------------------------------------------------------------------------


def ding_cgan_best(r: Results) -> Verdict:
    return _all(
        [_pairwise(r, "ding/cgan", f"ding/{o}", "fid", "lower", "final") for o in ("gan", "wgan")]
    )


def ding_clip_key(r: Results) -> Verdict:
    groups = {
        "c": ("wgan_clip0005", "wgan", "wgan_clip0015"),
        "n_critic": ("wgan_ncritic3", "wgan", "wgan_ncritic7"),
        "lr": ("wgan_lr3e4", "wgan", "wgan_lr1e3"),
    }
    means, noise = {}, []
    for name, runs in groups.items():
        vals = [r.final(f"ding/{x}", "fid") for x in runs]
        if not all(vals):
            return Verdict(INCONCLUSIVE, "spread of FID per setting group: n/a", "missing runs")
        m = [statistics.fmean(v) for v in vals]
        means[name] = max(m) - min(m)
        noise += [statistics.stdev(v) for v in vals if len(v) > 1]
    text = "spread (max - min) of mean final FID within each group: " + ", ".join(
        f"{k} {v:.3g}" for k, v in means.items()
    )
    if not noise:
        return Verdict(INCONCLUSIVE, text, "too few seeds to size the seed noise")
    others = max(means["n_critic"], means["lr"])
    if means["c"] - others <= 2 * statistics.fmean(noise):
        return Verdict(
            INCONCLUSIVE if means["c"] >= others else NOT_SUPPORTED,
            text,
            "c's spread is not larger than the others by two seed SDs",
        )
    return Verdict(SUPPORTED, text)


def ding_gp_beats_wgan(r: Results) -> Verdict:
    return _pairwise(r, "ding/wgan_gp", "ding/wgan", "fid", "lower", "final")


# --- frank ----------------------------------------------------------------------------------


def _worst_rise(r: Results, run_id: str) -> list[float]:
    """Per seed: the largest relative FID increase between consecutive checkpoints (0 for a
    curve that only falls); a diverged seed counts as 1 (it broke down)."""
    out = []
    for m, curve in zip(r.metrics.get(run_id, []), r.curves(run_id, "fid"), strict=False):
        rises = [(b - a) / a for (_, a), (_, b) in zip(curve, curve[1:], strict=False) if a]
        out.append(1.0 if m["status"] == "diverged" else max([0.0, *rises]))
    return out


def frank_wgans_stabler(r: Results) -> Verdict:
    verdicts = []
    for run in ("frank/wgan", "frank/wgan_gp"):
        a, b = _worst_rise(r, run), _worst_rise(r, "frank/dcgan")
        verdicts.append(
            _measured(
                welch(a, b, "lower"),
                f"largest relative FID rise during training: {run} "
                f"{_ms(a)} vs frank/dcgan {_ms(b)}",
            )
        )
    return _all(verdicts)


def _epoch_of_best(r: Results, run_id: str) -> list[float]:
    """Per seed: the epoch of the checkpoint with the lowest FID."""
    out = []
    for m in r.metrics.get(run_id, []):
        ex = "inception" if "inception" in m["final"] else "classifier"
        if m["curve"]:
            out.append(min(m["curve"], key=lambda c: c[ex]["fid"])["epoch"])
    return out


def frank_gan_faster(r: Results) -> Verdict:
    verdicts = []
    for run in ("frank/wgan", "frank/wgan_gp"):
        a, b = _epoch_of_best(r, "frank/dcgan"), _epoch_of_best(r, run)
        verdicts.append(
            _measured(
                welch(a, b, "lower"),
                f"epoch of the best FID: frank/dcgan {_ms(a)} vs {run} {_ms(b)}",
            )
        )
    return _all(verdicts)


def frank_wgan_worse(r: Results) -> Verdict:
    return _pairwise(r, "frank/dcgan", "frank/wgan", "fid", "lower", "final")


# --- zhu ------------------------------------------------------------------------------------


def zhu_cfg_beats_wgan_gp(r: Results) -> Verdict:
    return _all(
        [
            _pairwise(r, f"zhu/cfg_dcgan_{d}", f"zhu/wgan_gp_dcgan_{d}", "is_mean", "higher", d)
            for d in ("mnist", "cifar10")
        ]
    )


def _collapsed(r: Results, run_id: str) -> list[bool]:
    """Per seed: diverged, or IS fell by more than 30% between consecutive checkpoints."""
    out = []
    for m, curve in zip(r.metrics.get(run_id, []), r.curves(run_id, "is_mean"), strict=False):
        drops = [(a - b) / a for (_, a), (_, b) in zip(curve, curve[1:], strict=False) if a]
        out.append(m["status"] == "diverged" or max([0.0, *drops]) > 0.3)
    return out


def zhu_resnet_collapse(r: Results) -> Verdict:
    cfg, wgp = _collapsed(r, "zhu/cfg_resnet_cifar10"), _collapsed(r, "zhu/wgan_gp_resnet_cifar10")
    text = (
        f"seeds that collapsed (diverged or IS fell > 30% between checkpoints): CFG-GAN "
        f"{sum(cfg)}/{len(cfg)}, WGAN-GP {sum(wgp)}/{len(wgp)}"
    )
    if not cfg or not wgp:
        return Verdict(INCONCLUSIVE, text, "missing")
    if any(cfg) and not any(wgp):
        return Verdict(SUPPORTED, text)
    if not any(cfg) and len(cfg) < 2:
        return Verdict(INCONCLUSIVE, text, "no collapse in too few seeds to rule it out")
    return Verdict(NOT_SUPPORTED, text)


def zhu_dcgan_not_enough(r: Results) -> Verdict:
    return _all(
        [
            _pairwise(r, f"zhu/{o}", "zhu/dcgan_cifar10", "is_mean", "higher", "CIFAR-10")
            for o in ("cfg_dcgan_cifar10", "wgan_gp_dcgan_cifar10")
        ]
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
        "agarwal", "WGAN-GP is less sensitive (to seeds, here) than DCGAN", agarwal_wgan_gp_robust
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
    Claim("frank", "the vanilla GAN converges faster (epochs to its best FID)", frank_gan_faster),
    Claim(
        "frank",
        "WGAN images are slightly worse than the vanilla GAN's (final FID)",
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
    Claim("zhu", "DCGAN (BCE) is not enough for CIFAR-10", zhu_dcgan_not_enough),
]

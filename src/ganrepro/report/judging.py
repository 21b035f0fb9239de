"""How a claim becomes a verdict: the pieces every claim is built from (:mod:`claims` holds the
claims themselves, :mod:`stats` the statistics).

A verdict is ``supported``, ``not supported`` or ``inconclusive``, and the same standard of
evidence decides both ways: a comparison significant at ``ALPHA`` in the claimed direction
supports, one significant the other way refutes, anything else is inconclusive and says how
large a difference it still rules out. A claim of size ("markedly", "slightly") is tested
against a margin fixed here before any result (:data:`MARKED`, :data:`SLIGHT`): its interval
wholly inside the claimed range supports, wholly outside refutes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from ganrepro.report.results import REHEARSAL, Results
from ganrepro.report.stats import ALPHA, Diff, difference, holm, p_value

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"
MNIST_FEATURES = "classifier"  # SPEC: the domain classifier is the standard metric for MNIST
MARKED = 0.75  # "markedly" better FID: the better run's mean FID at most 0.75 x the other's
SLIGHT = 1.25  # "slightly" worse FID: the worse run's mean FID above 1x and below 1.25x
CONVERGED = 0.9  # a seed has converged once it covers this share of its own FID drop
DETECT_Z = 1.959964 + 0.841621  # z(0.975) + z(0.80): detectable = this x the statistic's SD


@dataclass(frozen=True)
class Verdict:
    verdict: str
    measurement: str
    reason: str = ""
    p: float | None = None  # the deciding test's p (a combined claim: its combined p)
    better: bool | None = None  # the measured difference points the claimed way
    diff: Diff | None = None  # the deciding comparison, when one decides


@dataclass(frozen=True)
class Claim:
    source: str
    text: str
    test: Callable[[Results], Verdict]
    quote: str = ""  # the source text's own sentence
    name: str = ""  # its id (tests, the bench): the source file's claim name

    def judge(self, r: Results) -> Verdict:
        """The verdict on ``r``; a measurement that breaks on malformed results is
        inconclusive with the error as its reason, never an exception. In the rehearsal the
        measurement runs (that is what it rehearses) and the verdict is REHEARSAL."""
        try:
            v = self.test(r)
        except (
            KeyError,
            IndexError,
            ZeroDivisionError,
            TypeError,
            ValueError,
            AttributeError,
        ) as exc:
            v = Verdict(INCONCLUSIVE, "could not be measured", f"{type(exc).__name__}: {exc}")
        if r.rehearsal:
            why = f"would read {v.verdict}" + (f" ({v.reason})" if v.reason else "")
            return Verdict(REHEARSAL, v.measurement, why, v.p, v.better, v.diff)
        return v


def ms(values: list[float]) -> str:
    """Mean ± sample std over seeds, then the per-seed values."""
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.4g}"
    seeds = ", ".join(f"{v:.4g}" for v in values)
    return f"{statistics.fmean(values):.4g} ± {statistics.stdev(values):.2g} [{seeds}]"


def measured(v: Verdict, measurement: str) -> Verdict:
    return Verdict(v.verdict, measurement, v.reason, v.p, v.better, v.diff)


def _enough(a: list[float], b: list[float], min_seeds: int) -> Verdict | None:
    if not a or not b:
        return Verdict(INCONCLUSIVE, "", "a run has no metrics (missing)")
    if len(a) < min_seeds or len(b) < min_seeds:
        return Verdict(
            INCONCLUSIVE, "", f"too few seeds ({len(a)} and {len(b)}; needs {min_seeds} per run)"
        )
    return None


def compare(a: list[float], b: list[float], better: str, min_seeds: int = 2) -> Verdict:
    """Is ``a`` better than ``b`` (``better``: "lower" or "higher")? Significant in the
    claimed direction -> supported, in the other -> not supported (:func:`stats.difference`:
    exact permutation where the seeds allow, else Welch)."""
    short = _enough(a, b, min_seeds)
    if short:
        return short
    d = difference(a, b)
    sign = -1 if better == "lower" else 1
    a_better = d.estimate * sign > 0
    if not d.p < ALPHA:  # NaN too
        why = f"{d.text()}: not significant; {d.rules_out(sign)}"
        return Verdict(INCONCLUSIVE, "", why, d.p, a_better, d)
    return Verdict(SUPPORTED if a_better else NOT_SUPPORTED, "", d.text(), d.p, a_better, d)


def ratio_margin(
    a: list[float], b: list[float], low: float | None, high: float | None, what: str
) -> Verdict:
    """The claim: mean(a) / mean(b) lies between ``low`` and ``high`` (None: unbounded),
    judged on the seeds' log values (a ratio of FIDs is a difference of logs). The 95%
    interval of the log ratio wholly inside the range supports, wholly outside refutes, across
    a margin is inconclusive. The interval and the p at each margin come from the same test
    (:func:`stats.p_value` of the logs shifted by the margin), so p < 0.05 at a margin
    exactly when the interval excludes it. p: inside, the larger of the margins' (TOST);
    outside, the p at the margin it lies beyond; across, the larger."""
    short = _enough(a, b, 2)
    if short or min(a + b) <= 0:
        return short or Verdict(INCONCLUSIVE, "", "a value is not positive: no log ratio")
    la, lb = [math.log(x) for x in a], [math.log(x) for x in b]
    d = difference(la, lb)
    if d.mde == 0:  # no seed varies: no interval to judge a margin by
        return Verdict(INCONCLUSIVE, "", "no seed spread: the ratio's interval cannot be sized")
    bounds = [(math.log(m), m) for m in (low, high) if m is not None]
    ratio = f"ratio {math.exp(d.estimate):.3g}, 95% CI [{math.exp(d.lo):.3g}, {math.exp(d.hi):.3g}]"
    claimed = " and ".join(
        f"{'above' if m == low else 'below'} {m:g}" for m in (low, high) if m is not None
    )
    at = {m: p_value([x - lm for x in la], lb) for lm, m in bounds}
    why = f"{what} {ratio} (claimed: {claimed}; detectable at 80% power: x{math.exp(d.mde):.3g})"
    inside = all(d.lo > lm if m == low else d.hi < lm for lm, m in bounds)
    beyond = [m for lm, m in bounds if (d.hi < lm if m == low else d.lo > lm)]
    better = all(d.estimate > lm if m == low else d.estimate < lm for lm, m in bounds)
    worst = max(at.values())
    if inside:
        return Verdict(SUPPORTED, "", why, worst, True, d)
    if beyond:
        p = at[beyond[0]]
        return Verdict(
            NOT_SUPPORTED, "", f"{why}: the interval lies beyond {beyond[0]:g}", p, False, d
        )
    return Verdict(INCONCLUSIVE, "", f"{why}: the interval crosses a margin", worst, better, d)


def all_of(verdicts: list[Verdict]) -> Verdict:
    """Several comparisons that must all hold. Supported when every one supports (an
    intersection-union test: valid at alpha without correction; p = the largest); not
    supported when one refutes after Holm's correction over the comparisons; inconclusive
    otherwise."""
    text = "; ".join(v.measurement for v in verdicts)
    reasons = "; ".join(v.reason for v in verdicts if v.reason)
    if verdicts and all(v.verdict == SUPPORTED for v in verdicts):
        p = max((v.p for v in verdicts if v.p is not None), default=None)
        return Verdict(SUPPORTED, text, f"all hold (intersection-union test); {reasons}", p, True)
    ps = [v.p if v.p is not None and not math.isnan(v.p) else 1.0 for v in verdicts]
    adjusted = holm(ps)
    against = [adj for adj, v in zip(adjusted, verdicts, strict=True) if v.verdict == NOT_SUPPORTED]
    significant = [adj for adj in against if adj < ALPHA]
    if significant:
        adj = min(significant)
        why = f"a comparison goes against it (Holm-adjusted p = {adj:.3g}); {reasons}"
        return Verdict(NOT_SUPPORTED, text, why, adj, False)
    if any(v.verdict == NOT_SUPPORTED and v.p is None for v in verdicts):
        return Verdict(NOT_SUPPORTED, text, f"a part goes against it; {reasons}", None, False)
    p = max((v.p for v in verdicts if v.p is not None), default=None)
    return Verdict(INCONCLUSIVE, text, reasons, p)


def features(r: Results, run_id: str, extractor: str | None = None) -> str:
    return extractor or r.extractor(run_id) or "classifier"


def pairwise(
    r: Results, a: str, b: str, key: str, better: str, label: str, extractor: str | None = None
) -> Verdict:
    """:func:`compare` on the per-seed final ``key`` of runs ``a`` and ``b``; ``extractor``
    pins the features (MNIST: the domain classifier, SPEC's standard there)."""
    va, vb = r.final(a, key, extractor), r.final(b, key, extractor)
    name = {"fid": "FID", "is_mean": "IS"}.get(key, key)
    ex = extractor or r.extractor(a) or "?"
    if extractor is None and va and vb and r.extractor(a) != r.extractor(b):
        why = f"the runs are scored in different features ({r.extractor(a)}, {r.extractor(b)})"
        return Verdict(INCONCLUSIVE, f"{label}: {name} {a} vs {b}", why)
    return measured(
        compare(va, vb, better),
        f"{label}: {name} ({ex}) {a} {ms(va)} vs {b} {ms(vb)} ({better} is better)",
    )


def curve_of(m: dict, key: str, extractor: str) -> list[tuple[int, float]]:
    """One seed's [(step, value)] over its checkpoints, in step order; checkpoints without a
    finite value are skipped (a small run may have few checkpoints, an old one none)."""
    out = []
    for c in m.get("curve") or []:
        v = c.get(key, (c.get(extractor) or {}).get(key))
        if "step" in c and isinstance(v, int | float) and math.isfinite(v):
            out.append((int(c["step"]), float(v)))
    return sorted(out)


def steps_to_converge(curve: list[tuple[int, float]], budget: int | None = None) -> float | None:
    """The first checkpoint step at which a seed's FID has covered ``CONVERGED`` of its own
    drop, from step 0 to its best FID within ``budget``: each seed against its own plateau, so
    a model that plateaus higher is not called slow for it. None without a step-0 point, two
    later ones, or any drop."""
    pts = [(s, v) for s, v in curve if budget is None or s <= budget]
    if len(pts) < 3 or pts[0][0] != 0:
        return None
    start, best = pts[0][1], min(v for _, v in pts[1:])
    if best >= start:
        return None
    target = start - CONVERGED * (start - best)
    return float(next(s for s, v in pts[1:] if v <= target))


def fid_curves(r: Results, run_id: str, extractor: str | None = None):
    """The FID curve of each seed of ``run_id`` that did not diverge and has one."""
    ex = features(r, run_id, extractor)
    return [
        c
        for m in r.metrics.get(run_id, [])
        if m["status"] != "diverged" and (c := curve_of(m, "fid", ex))
    ]


def converge_steps(curves, budget: int | None = None) -> list[float]:
    """:func:`steps_to_converge` of each curve, leaving out those it cannot time."""
    return [s for c in curves if (s := steps_to_converge(c, budget)) is not None]


def interval_verdict(found, text: str, what: str) -> Verdict:
    """A statistic's bootstrap interval (:func:`spread_interval`): above 0 -> supported,
    below 0 -> not supported, across 0 -> inconclusive, whichever way the estimate leans."""
    if found is None:
        return Verdict(
            INCONCLUSIVE, text, "the seed noise cannot be sized (2 seeds a run, not all equal)"
        )
    d, lo, hi, df, p, sd = found
    why = (
        f"{what} {d:.3g}, 95% interval [{lo:.3g}, {hi:.3g}], detectable at 80% power: "
        f"±{DETECT_Z * sd:.3g}, bootstrap p = {p:.3g} (parametric bootstrap of the seed noise, "
        f"pooled SD with {df} df)"
    )
    if lo > 0:
        return Verdict(SUPPORTED, text, why, p, True)
    if hi < 0:
        return Verdict(NOT_SUPPORTED, text, why, p, False)
    return Verdict(
        INCONCLUSIVE, text, f"{why}: within the seed noise; no lead larger than {hi:.3g}", p, d > 0
    )


def spread_interval(
    runs: dict[str, list[float]],
    statistic: Callable[[dict[str, float], float], float],
    draws: int = 20000,
    level: float = 0.95,
):
    """Observed ``statistic(means, noise)`` of the runs' mean values, where ``noise`` is the
    pooled seed variance, and its ``level`` interval and two-sided p by a parametric bootstrap:
    each run's mean is redrawn as N(mean, s^2 / n_seeds) with the pooled within-run seed SD s,
    itself redrawn from its chi-square law (df = seeds - runs); fixed RNG seed; p counts the
    observed draw, so it is never 0. A statistic that subtracts the noise it expects (a
    bias-corrected spread, :func:`setting_variance`) is centred on the truth in the redraws
    too. Returns (observed, lo, hi, df, p, the redraws' SD: the detectable size is
    ``DETECT_Z`` x it); None when no run has two seeds or no seed varies."""
    import numpy as np

    df = sum(len(v) - 1 for v in runs.values())
    if df < 1:
        return None
    pooled_var = sum((len(v) - 1) * statistics.variance(v) for v in runs.values() if len(v) > 1)
    pooled_var /= df
    if pooled_var == 0:
        return None
    names = list(runs)
    means = np.array([statistics.fmean(runs[k]) for k in names])
    n = np.array([len(runs[k]) for k in names], dtype=float)
    rng = np.random.default_rng(0)
    var = pooled_var * rng.chisquare(df, draws) / df
    sims = means + rng.standard_normal((draws, len(names))) * np.sqrt(var[:, None] / n)
    stats_ = np.array(
        [statistic(dict(zip(names, row, strict=True)), v) for row, v in zip(sims, var, strict=True)]
    )
    lo, hi = np.quantile(stats_, [(1 - level) / 2, (1 + level) / 2])
    tail = min(int(np.sum(stats_ <= 0)), int(np.sum(stats_ >= 0)))
    p = min(1.0, 2 * (1 + tail) / (1 + draws))
    observed = statistic(dict(zip(names, means, strict=True)), pooled_var)
    return float(observed), float(lo), float(hi), df, p, float(np.std(stats_))


def setting_variance(means: dict[str, float], noise: float, names, n: dict[str, int]) -> float:
    """Between-setting variance of some runs' means (e.g. one hyper-parameter's settings),
    bias-corrected: the variance of the means minus what the seed noise alone gives them
    (``noise`` / n per mean), an unbiased estimate of the variance the setting itself causes
    (it can come out negative). Unlike a range or an absolute change, seed noise does not
    inflate it."""
    return statistics.variance([means[x] for x in names]) - statistics.fmean(
        noise / n[x] for x in names
    )


def pooled_noise(runs: dict[str, list[float]]) -> float:
    """The runs' pooled within-run seed variance."""
    df = sum(len(v) - 1 for v in runs.values())
    return sum((len(v) - 1) * statistics.variance(v) for v in runs.values() if len(v) > 1) / df

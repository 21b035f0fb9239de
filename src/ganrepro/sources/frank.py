"""frank (source text 003): the vanilla GAN (DCGAN), WGAN and WGAN-GP on CIFAR-10."""

from __future__ import annotations

import math
import statistics

from ganrepro.report.judging import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SLIGHT,
    SUPPORTED,
    Verdict,
    all_of,
    compare,
    converge_steps,
    curve_of,
    features,
    fid_curves,
    measured,
    ms,
    ratio_margin,
)
from ganrepro.report.results import Results
from ganrepro.report.stats import ALPHA, fisher_greater

WGANS = ("frank/wgan", "frank/wgan_gp")
RECALL_COLLAPSE = 0.05  # final recall below this: the samples cover almost none of the data


def roughness(m: dict, key: str = "loss_g") -> float | None:
    """Step-to-step fluctuation of the loss over the second half of training divided by the
    extent (5-95% quantile range) of the run's own loss curve (shown beside the FID view: the
    source text reads the loss plots)."""
    s = (m.get("losses") or {}).get(key)
    if not s:
        return None
    extent = s["q95"] - s["q05"]
    return s["noise"] / extent if extent > 0 else None


def volatility(m: dict, ex: str) -> float | None:
    """FID volatility late in training, in the same units for every model: the mean absolute
    change of log FID between consecutive checkpoints from half-way on (a stable run settles,
    an erratic one keeps jumping). None with fewer than two such checkpoints."""
    curve = [(s, v) for s, v in curve_of(m, "fid", ex) if s > 0 and v > 0]
    if not curve:
        return None
    late = [v for s, v in curve if s >= curve[-1][0] / 2]
    if len(late) < 2:
        return None
    return statistics.fmean(abs(math.log(b / a)) for a, b in zip(late, late[1:], strict=False))


def collapsed(m: dict, ex: str) -> bool:
    recall = (m["final"].get(ex) or {}).get("recall")
    low = isinstance(recall, int | float) and math.isfinite(recall) and recall < RECALL_COLLAPSE
    return m["status"] == "diverged" or low


def wgans_stabler(r: Results) -> Verdict:
    """ "much more stable training via investigation of the loss curves compared to the
    vanilla GAN training, which behaves quite erratically". Per seed, FID volatility late in
    training (:func:`volatility`, the same units for every model; diverged seeds count as
    collapsed instead); each WGAN against frank/dcgan, both must hold. The loss view
    (:func:`roughness`) is shown beside it. Collapse (diverged, or final recall below 0.05)
    decides by test, either way: the WGANs' seeds collapsing more often than DCGAN's (Fisher's
    exact p < 0.05) refutes, DCGAN's more often than the WGANs' supports."""
    runs = ("frank/dcgan", *WGANS)
    vol, rough, coll = {}, {}, {}
    for run in runs:
        ms_, ex = r.metrics.get(run, []), features(r, run)
        ok = [m for m in ms_ if m["status"] != "diverged"]
        vol[run] = [x for m in ok if (x := volatility(m, ex)) is not None]
        rough[run] = [x for m in ok if (x := roughness(m)) is not None]
        coll[run] = [collapsed(m, ex) for m in ms_]
    verdicts = [
        measured(
            compare(vol[run], vol["frank/dcgan"], "lower"),
            f"late FID volatility (mean |change of log FID| between checkpoints): {run} "
            f"{ms(vol[run])} vs frank/dcgan {ms(vol['frank/dcgan'])}",
        )
        for run in WGANS
    ]
    v = all_of(verdicts)
    loss_view = ", ".join(f"{run} {ms(rough[run])}" for run in runs)
    counts = ", ".join(f"{run} {sum(coll[run])}/{len(coll[run])}" for run in runs)
    text = (
        f"{v.measurement}; beside it, G-loss roughness (late step-to-step SD / the curve's "
        f"5-95% range): {loss_view}; collapsed seeds (diverged or final recall < "
        f"{RECALL_COLLAPSE}): {counts}"
    )
    wg = [c for run in WGANS for c in coll[run]]
    dc = coll["frank/dcgan"]
    if wg and dc:
        p = fisher_greater(sum(wg), len(wg), sum(dc), len(dc))
        if p < ALPHA:
            why = f"the WGANs collapsed more often than the vanilla GAN (Fisher p = {p:.3g})"
            return Verdict(NOT_SUPPORTED, text, why, p, False)
        p = fisher_greater(sum(dc), len(dc), sum(wg), len(wg))
        if p < ALPHA:
            why = f"the vanilla GAN collapsed more often than the WGANs (Fisher p = {p:.3g})"
            return Verdict(SUPPORTED, text, why, p, True)
    gone = [
        run
        for run in runs
        if r.metrics.get(run) and all(m["status"] == "diverged" for m in r.metrics[run])
    ]
    if gone and v.verdict == INCONCLUSIVE:
        return Verdict(INCONCLUSIVE, text, f"every seed of {', '.join(gone)} diverged; {v.reason}")
    return Verdict(v.verdict, text, v.reason, v.p, v.better)


def gan_faster(r: Results) -> Verdict:
    """ "the FID graph suggests that the vanilla GAN is able to converge faster (40 epochs vs.
    100 epochs)" -- but 40 and 100 are the budgets each was given. Common axis: generator
    iterations (the checkpoints' ``step``): the generator's images change only at G updates,
    and at full scale both budgets are ~15.6k G-iterations. Per seed, the G-iterations to
    cover ``CONVERGED`` of its own FID drop within the common budget (each model against its
    own plateau, so a model that plateaus higher is not slower for it); DCGAN against each
    WGAN, both must hold. Resolution is the checkpoint spacing."""
    curves = {run: fid_curves(r, run) for run in ("frank/dcgan", *WGANS)}
    budget = min((c[-1][0] for cs in curves.values() for c in cs), default=None)
    conv = {run: converge_steps(cs, budget) for run, cs in curves.items()}
    return all_of(
        [
            measured(
                compare(conv["frank/dcgan"], conv[run], "lower"),
                f"G-iterations to cover 90% of the seed's own FID drop (within the common "
                f"budget of {budget} G-iterations): frank/dcgan {ms(conv['frank/dcgan'])} vs "
                f"{run} {ms(conv[run])}",
            )
            for run in WGANS
        ]
    )


def wgan_worse(r: Results) -> Verdict:
    """ "there seems to be a slight decrease in image quality compared to the vanilla GAN":
    each WGAN's final FID above DCGAN's, by less than ``SLIGHT`` x (both must hold)."""
    verdicts = []
    for run in WGANS:
        a, b = r.final(run, "fid"), r.final("frank/dcgan", "fid")
        verdicts.append(
            measured(
                ratio_margin(a, b, 1.0, SLIGHT, f"FID ratio {run} / frank/dcgan"),
                f"final FID {run} {ms(a)} vs frank/dcgan {ms(b)} (slightly worse: ratio "
                f"between 1 and {SLIGHT})",
            )
        )
    return all_of(verdicts)

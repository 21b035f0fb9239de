"""ding (source text 002): GAN, WGAN, CGAN and the improved WGAN on MNIST, and the WGAN
hyper-parameter study (Table 2). MNIST is judged in the domain classifier's features."""

from __future__ import annotations

import math
import statistics

from ganrepro.report.judging import (
    INCONCLUSIVE,
    MNIST_FEATURES,
    NOT_SUPPORTED,
    SUPPORTED,
    Verdict,
    all_of,
    compare,
    converge_steps,
    fid_curves,
    interval_verdict,
    measured,
    ms,
    pooled_noise,
    setting_variance,
    spread_interval,
)
from ganrepro.report.results import Results
from ganrepro.report.stats import ALPHA, spearman

GROUPS = {
    "c": ("wgan_clip0005", "wgan", "wgan_clip0015"),
    "n_critic": ("wgan_ncritic3", "wgan", "wgan_ncritic7"),
    "lr": ("wgan_lr3e4", "wgan", "wgan_lr1e3"),
}
TABLE2 = sorted({x for g in GROUPS.values() for x in g})


def _log_fids(r: Results, names) -> dict[str, list[float]]:
    return {
        x: [math.log(v) for v in r.final(f"ding/{x}", "fid", MNIST_FEATURES) if v > 0]
        for x in names
    }


def spread(means: dict[str, float], noise: float, group: str, n: dict[str, int]) -> float:
    """One group's bias-corrected between-setting variance of mean log FID."""
    return setting_variance(means, noise, GROUPS[group], n)


def clip_key(r: Results) -> Verdict:
    """c "is the key factor affecting the quality of generated image". Per setting group
    (c, n_critic, lr; each with the default run in the middle), the bias-corrected
    between-setting variance of mean log FID (:func:`spread`); the claim: c's exceeds
    n_critic's and lr's, each judged by its parametric-bootstrap interval (the statistic
    subtracts the noise it expects, so the redraws are centred too), both must hold."""
    runs = _log_fids(r, TABLE2)
    if not all(len(v) >= 1 for v in runs.values()):
        missing = sorted(k for k, v in runs.items() if not v)
        return Verdict(INCONCLUSIVE, "setting variance per group: n/a", f"missing runs: {missing}")
    n = {k: len(v) for k, v in runs.items()}
    df = sum(len(v) - 1 for v in runs.values())
    if df < 1:
        return Verdict(INCONCLUSIVE, "", "too few seeds to size the seed noise (needs 2 a run)")
    means = {k: statistics.fmean(v) for k, v in runs.items()}
    noise = pooled_noise(runs)
    text = "setting variance of mean log FID (classifier), seed noise removed: " + ", ".join(
        f"{g} {spread(means, noise, g, n):.3g}" for g in GROUPS
    )
    verdicts = []
    for other in ("n_critic", "lr"):

        def lead(m, v, other=other):
            return spread(m, v, "c", n) - spread(m, v, other, n)

        verdicts.append(
            interval_verdict(spread_interval(runs, lead), f"c vs {other}", f"c's lead over {other}")
        )
    return measured(all_of(verdicts), text)


def low_c_faster(r: Results) -> Verdict:
    """ "a lower c will make the network converge faster": c = 0.005 needs fewer generator
    iterations than c = 0.015 to cover ``CONVERGED`` of its own FID drop."""
    a, b = (
        converge_steps(fid_curves(r, f"ding/{x}", MNIST_FEATURES))
        for x in ("wgan_clip0005", "wgan_clip0015")
    )
    return measured(
        compare(a, b, "lower"),
        "G-iterations to cover 90% of the seed's own FID drop: ding/wgan_clip0005 "
        f"{ms(a)} vs ding/wgan_clip0015 {ms(b)} (fewer is faster)",
    )


def loss_measures_quality(r: Results) -> Verdict:
    """The losses "quantitatively measure the quality of image generation" (the basis of the
    text's key-factor conclusion, drawn from Table 2's losses). Over Table 2's seven settings:
    Spearman's rank correlation of the critic's final Wasserstein estimate (-D loss, mean
    over seeds) with mean final FID; claimed positive (a larger distance, worse images).
    Exact test over every ordering of the seven settings. The critic's estimate scales with
    its clipping value c, so across the c settings it also measures c: as the source text
    read its Table 2."""
    w, fid = [], []
    for x in TABLE2:
        ms_ = r.metrics.get(f"ding/{x}", [])
        losses = [-m["losses"]["loss_d"]["final"] for m in ms_ if (m.get("losses") or {})]
        fids = r.final(f"ding/{x}", "fid", MNIST_FEATURES)
        if losses and fids:
            w.append(statistics.fmean(losses))
            fid.append(statistics.fmean(fids))
    if len(w) < len(TABLE2):
        return Verdict(
            INCONCLUSIVE,
            "critic's Wasserstein estimate vs FID over Table 2: n/a",
            f"only {len(w)} of the {len(TABLE2)} settings have losses and FID",
        )
    rho, p, needed = spearman(w, fid)
    text = (
        "Spearman's rho of mean final -D loss (the critic's Wasserstein estimate) and mean "
        f"final FID (classifier) over Table 2's {len(w)} settings: {rho:.3g}"
    )
    why = (
        f"exact permutation p = {p:.3g}; with {len(w)} settings only |rho| >= {needed:.3g} "
        "can be significant (the estimate scales with c, so across c it also measures c)"
    )
    if p < ALPHA:
        return Verdict(SUPPORTED if rho > 0 else NOT_SUPPORTED, text, why, p, rho > 0)
    return Verdict(INCONCLUSIVE, text, f"{why}: not significant", p, rho > 0)

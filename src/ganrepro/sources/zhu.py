"""zhu (source text 004): CFG-GAN against WGAN-GP and DCGAN, with DCGAN and ResNet nets."""

from __future__ import annotations

from ganrepro.report.judging import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Verdict,
    curve_of,
    features,
)
from ganrepro.report.results import Results
from ganrepro.report.stats import ALPHA, binom_le, fisher_greater, rate_upper

COLLAPSE_DROP = 0.3  # a fall of IS by more than this share between checkpoints: a collapse
TYPICAL = 0.5  # "frequently happened": a collapse rate the 95% bound must leave room for


def collapsed(r: Results, run_id: str) -> list[bool | None]:
    """Per seed: diverged, or IS fell by more than ``COLLAPSE_DROP`` between consecutive
    checkpoints; None when a seed that did not diverge has fewer than two checkpoints."""
    out = []
    ex = features(r, run_id)
    for m in r.metrics.get(run_id, []):
        curve = [v for _, v in curve_of(m, "is_mean", ex)]
        if m["status"] == "diverged":
            out.append(True)
        elif len(curve) < 2:
            out.append(None)
        else:
            drops = [(a - b) / a for a, b in zip(curve, curve[1:], strict=False) if a > 0]
            out.append(max([0.0, *drops]) > COLLAPSE_DROP)
    return out


def resnet_collapse(r: Results) -> Verdict:
    """With ResNet nets, CFG-GAN breaks down suddenly ("frequently happened") while WGAN-GP
    trains stably. Supported: CFG-GAN's seeds collapse more often than WGAN-GP's (Fisher's
    exact test, one-sided p < 0.05). Not supported: WGAN-GP's collapse more often (the same
    test the other way), or CFG-GAN's collapse rate is bounded below ``TYPICAL`` (its
    one-sided 95% Clopper-Pearson upper bound: 0 of 5 seeds bounds it at 45%, 0 of 3 only at
    63%). Otherwise inconclusive, with the counts and bounds."""
    cfg, wgp = collapsed(r, "zhu/cfg_resnet_cifar10"), collapsed(r, "zhu/wgan_gp_resnet_cifar10")
    kc, kw = sum(bool(c) for c in cfg), sum(bool(c) for c in wgp)
    text = (
        f"seeds that collapsed (diverged or IS fell > {COLLAPSE_DROP:.0%} between checkpoints): "
        f"CFG-GAN {kc}/{len(cfg)}, WGAN-GP {kw}/{len(wgp)}"
    )
    if not cfg or not wgp:
        return Verdict(INCONCLUSIVE, text, "missing")
    if None in cfg + wgp:
        return Verdict(INCONCLUSIVE, text, "a seed has fewer than two checkpoints of IS")
    p_for = fisher_greater(kc, len(cfg), kw, len(wgp))
    p_against = fisher_greater(kw, len(wgp), kc, len(cfg))
    upper = rate_upper(kc, len(cfg))
    why = (
        f"Fisher's exact p = {p_for:.3g} (CFG-GAN more), {p_against:.3g} (WGAN-GP more); "
        f"CFG-GAN's collapse rate at most {upper:.0%} (95% upper bound)"
    )
    if p_for < ALPHA:
        return Verdict(SUPPORTED, text, why, p_for, True)
    if p_against < ALPHA:
        return Verdict(NOT_SUPPORTED, text, f"{why}: WGAN-GP collapsed more", p_against, False)
    if upper < TYPICAL:
        p_rate = binom_le(kc, len(cfg), TYPICAL)  # the test the bound inverts
        why = f"{why}: below {TYPICAL:.0%}, collapse is not frequent (binomial p = {p_rate:.3g})"
        return Verdict(NOT_SUPPORTED, text, why, p_rate, False)
    return Verdict(INCONCLUSIVE, text, f"{why}: too few seeds to tell", p_for, kc > kw)

"""agarwal (source text 001): a simple GAN, DCGAN, WGAN-GP and a conditional WGAN-GP on
CIFAR-10."""

from __future__ import annotations

import math
import statistics

from ganrepro.report.judging import (
    INCONCLUSIVE,
    MARKED,
    NOT_SUPPORTED,
    SUPPORTED,
    Verdict,
    compare,
    converge_steps,
    curve_of,
    fid_curves,
    interval_verdict,
    measured,
    ms,
    pooled_noise,
    ratio_margin,
    setting_variance,
    spread_interval,
)
from ganrepro.report.results import Results


def dcgan_better(r: Results) -> Verdict:
    """DCGAN "show[s] significant improvement from the Simple_GAN": final FID at most
    ``MARKED`` x the simple GAN's (a minimum-effect test on the log ratio)."""
    a, b = r.final("agarwal/dcgan", "fid"), r.final("agarwal/simple_gan", "fid")
    ex = r.extractor("agarwal/dcgan") or "?"
    return measured(
        ratio_margin(a, b, None, MARKED, "FID ratio dcgan / simple_gan"),
        f"final: FID ({ex}) agarwal/dcgan {ms(a)} vs agarwal/simple_gan {ms(b)} "
        f"(markedly: ratio below {MARKED})",
    )


SWEEP = {"dcgan": "dcgan_adam_default", "wgan_gp": "wgan_gp_adam_default"}


def wgan_gp_robust(r: Results) -> Verdict:
    """WGAN-GP "is less sensitive towards hyperparameters" (DCGAN is "also very sensitive").
    Each model is trained at its own settings and again with PyTorch's Adam defaults (the
    optimiser the source text gives its simple GAN). A model's sensitivity is the
    bias-corrected variance of its settings' mean log FID (:func:`setting_variance`: unit-free,
    so a model with higher FID is not called robust for it; either direction of change counts;
    seed noise removed, so it does not inflate it as a range would). The claim: DCGAN's minus
    WGAN-GP's > 0, judged by its parametric-bootstrap interval, symmetric."""
    groups = {model: (f"agarwal/{model}", f"agarwal/{alt}") for model, alt in SWEEP.items()}
    runs = {k: r.final(k, "fid") for names in groups.values() for k in names}
    text = "mean final FID at the model's settings -> with PyTorch's Adam defaults: " + ", ".join(
        f"agarwal/{model} {ms(runs[a])} -> {ms(runs[b])}" for model, (a, b) in groups.items()
    )
    if any(len(v) < 2 for v in runs.values()):
        return Verdict(
            INCONCLUSIVE,
            text,
            "not testable with these runs: each model needs two or more seeds at its own "
            "settings and at PyTorch's Adam defaults (agarwal/*_adam_default)",
        )
    if min(min(v) for v in runs.values()) <= 0:
        return Verdict(INCONCLUSIVE, text, "a FID is not positive: no log ratio")
    logs = {k: [math.log(x) for x in v] for k, v in runs.items()}
    n = {k: len(v) for k, v in logs.items()}

    def gap(means, noise):
        return setting_variance(means, noise, groups["dcgan"], n) - setting_variance(
            means, noise, groups["wgan_gp"], n
        )

    means = {k: statistics.fmean(v) for k, v in logs.items()}
    noise = pooled_noise(logs)
    text += "; setting variance of mean log FID, seed noise removed: " + ", ".join(
        f"{model} {setting_variance(means, noise, names, n):.3g}" for model, names in groups.items()
    )
    return interval_verdict(spread_interval(logs, gap), text, "DCGAN's minus WGAN-GP's")


def wgan_gp_slow(r: Results) -> Verdict:
    """WGAN-GP "takes a large number of steps to generate good fake images": more generator
    iterations than DCGAN to cover ``CONVERGED`` of its own FID drop (each seed against its
    own plateau), each within its own budget: the source trains both ~50 epochs, and a common
    cut in G-iterations would leave DCGAN (one critic step per G step) only its first epochs."""
    a, b = (converge_steps(fid_curves(r, run)) for run in ("agarwal/wgan_gp", "agarwal/dcgan"))
    return measured(
        compare(a, b, "higher"),
        "G-iterations to cover 90% of the seed's own FID drop: agarwal/wgan_gp "
        f"{ms(a)} vs agarwal/dcgan {ms(b)} (more is slower)",
    )


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
BLOB_WINDOW = (100, 300)  # "around 200": tutorial steps 100-300 (fixed before any result)


def tutorial_step_to_g_iterations(step: int) -> int:
    """The tutorial's TensorBoard step -> generator iterations done when it was logged."""
    epoch, k = divmod(step, TUTORIAL_LOGS_PER_EPOCH)
    return epoch * TUTORIAL_BATCHES_PER_EPOCH + (k + 1) * 100 + 1


def white_blobs(r: Results) -> Verdict:
    """*When* blobs appear: per seed, the first checkpoint whose near-white pixel share is more
    than twice the real data's (the onset), in generator iterations (our checkpoints' step; the
    tutorial's unit converted above). "Around 200" is read as tutorial steps 100-300: the full
    schedule (50 epochs, ~39k G-iterations, step ~349) runs past the window, so a seed clean
    to its end refutes ("never"). A seed whose last checkpoint is before step 200 cannot test
    it; one clean up to 200 but stopping inside the window is undetermined. All testable seeds
    on time -> supported; all early, late or never -> not supported; otherwise inconclusive."""
    claimed = tutorial_step_to_g_iterations(BLOB_STEP)
    lo, hi = (tutorial_step_to_g_iterations(s) for s in BLOB_WINDOW)
    kinds, onsets, lasts = [], [], []
    for m in r.metrics.get("agarwal/cgan", []):
        curve = curve_of(m, "white_fraction", "")
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

"""acwgan (source text 000): AC-WGAN-GP on CIFAR-10 and STL-10 at 32x32."""

from __future__ import annotations

import itertools
import statistics

from ganrepro.report.judging import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Verdict,
    all_of,
    compare,
    features,
    measured,
    ms,
)
from ganrepro.report.results import Results
from ganrepro.report.stats import ALPHA


def full_scale_only(r: Results, run_id: str) -> str | None:
    if r.standins or r.scale != "full":
        return (
            f"{r.scale} scale on stand-in data: IS 8.42 needs Inception features of samples of "
            "a model trained on the real CIFAR-10 (50k samples)"
        )
    if r.extractor(run_id) != "inception":
        return "no Inception features (weights missing): IS 8.42 is an Inception score"
    return None


def replicates(r: Results) -> Verdict:
    """CIFAR-10 samples "seem to replicate the results of [3]" (Gulrajani et al., whose
    AC-WGAN-GP reaches IS 8.42 ± 0.10, supervised). Judged as the literature anchor is
    (:mod:`ganrepro.report.anchors`): under its protocol, within its declared tolerance (the
    margin of "replicates", fixed with the anchor before any result)."""
    from ganrepro.report.anchors import ANCHOR_OF, NOT_REPRODUCED, REPRODUCED, anchor_verdict

    run = "acwgan/cifar10"
    values = r.final(run, "is_mean", "inception")
    text = f"Inception score of acwgan/cifar10: {ms(values)} vs 8.42 ± 0.10 (Gulrajani et al.)"
    why = full_scale_only(r, run)
    if why:
        return Verdict(INCONCLUSIVE, text, why)
    verdict, reason = anchor_verdict(r, ANCHOR_OF[run])
    outcome = {REPRODUCED: SUPPORTED, NOT_REPRODUCED: NOT_SUPPORTED}.get(verdict, INCONCLUSIVE)
    return Verdict(outcome, text, reason if outcome != INCONCLUSIVE else f"{verdict}: {reason}")


def relative_is(r: Results, run_id: str) -> list[float]:
    """Per seed: IS of samples / IS of the run's own real training data (same features)."""
    out = []
    for m in r.metrics.get(run_id, []):
        ex = features(r, run_id)
        try:
            out.append(m["final"][ex]["is_mean"] / m["reference"][ex]["train_is"][0])
        except (KeyError, IndexError, TypeError, ZeroDivisionError):
            continue
    return out


def stl_worse(r: Results) -> Verdict:
    """STL-10 resized to 32x32 does "not quite reach the same quality" as CIFAR-10. Each
    run's IS is divided by its own real data's IS (the datasets differ)."""
    a, b = relative_is(r, "acwgan/stl10"), relative_is(r, "acwgan/cifar10")
    v = measured(
        compare(a, b, "lower"),
        f"IS / real-data IS: stl10 {ms(a)} vs cifar10 {ms(b)} (lower is worse)",
    )
    if r.standins:  # both stand-ins are the same photos
        return Verdict(
            INCONCLUSIVE,
            v.measurement,
            "needs the real STL-10 and CIFAR-10: with stand-ins both datasets are the same "
            "photos, so no downscaling effect exists to measure",
        )
    return v


# "cars, horses, trucks and planes", by each dataset's class index
CLAIMED_CLASSES = {
    "cifar10": {0: "airplane", 1: "automobile", 7: "horse", 9: "truck"},
    "stl10": {0: "airplane", 2: "car", 6: "horse", 9: "truck"},
}


def class_lead(per_seed: list[list[float]], chosen) -> float:
    """Mean over seeds of (mean accuracy of the chosen classes - mean of the others)."""
    others = [c for c in range(len(per_seed[0])) if c not in chosen]
    return statistics.fmean(
        statistics.fmean(s[c] for c in chosen) - statistics.fmean(s[c] for c in others)
        for s in per_seed
    )


def classes_of(r: Results, dataset: str) -> Verdict:
    """One dataset: do the claimed 4 classes lead the others in the domain classifier's
    accuracy on conditional samples? Exact test over the 210 ways of choosing 4 of the 10
    classes (class labels exchangeable under the null); two-sided p."""
    run = f"acwgan/{dataset}"
    per_seed = [
        m["final"]["classifier"]["class_accuracy"]
        for m in r.metrics.get(run, [])
        if "class_accuracy" in m["final"].get("classifier", {})
    ]
    claimed = CLAIMED_CLASSES[dataset]
    if not per_seed:
        return Verdict(INCONCLUSIVE, f"{dataset}: per-class accuracy of samples: n/a", "missing")
    mean = [statistics.fmean(s[c] for s in per_seed) for c in range(10)]
    top = sorted(sorted(range(10), key=lambda c: -mean[c])[:4])
    lead = class_lead(per_seed, set(claimed))
    null = [class_lead(per_seed, set(c)) for c in itertools.combinations(range(10), 4)]
    upper = sum(x >= lead - 1e-12 for x in null) / len(null)
    lower = sum(x <= lead + 1e-12 for x in null) / len(null)
    p = min(1.0, 2 * min(upper, lower))
    text = (
        f"{dataset}: classifier accuracy on samples, claimed classes "
        f"{sorted(claimed)} minus the others {lead:.3g} (top 4: {top})"
    )
    why = f"exact test over the 210 sets of 4 classes, p = {p:.3g}"
    if len(per_seed) < 2:
        return Verdict(INCONCLUSIVE, text, "too few seeds (needs 2)")
    if p < ALPHA:
        return Verdict(SUPPORTED if lead > 0 else NOT_SUPPORTED, text, why, p, lead > 0)
    return Verdict(INCONCLUSIVE, text, f"{why}: not significant", p, lead > 0)


def best_classes(r: Results) -> Verdict:
    v = all_of([classes_of(r, d) for d in CLAIMED_CLASSES])
    if r.standins:
        return Verdict(
            INCONCLUSIVE,
            v.measurement,
            "needs the real CIFAR-10 and STL-10 classes: a stand-in class is one photo, not "
            "planes, cars, horses or trucks",
        )
    return v

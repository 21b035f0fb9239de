"""Published numbers beside ours, each with its protocol and the tolerance that counts as
reproduced. Both were declared before any full-scale result existed (this file's history shows
it) and the verdict uses nothing else: ours is compared only under the anchor's protocol."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from ganrepro.report.results import REHEARSAL, Results

REPRODUCED, NOT_REPRODUCED = "reproduced", "not reproduced"


@dataclass(frozen=True)
class Anchor:
    run_id: str
    model: str
    dataset: str
    metric: str  # key in metrics.json
    value: float
    std: float
    where: str  # paper and protocol
    # the protocol the value was measured under: ours must match it to be compared
    extractor: str = "inception"
    n_samples: int = 50000
    is_splits: int = 10
    # reproduced when |our mean - value| <= max(relative * value, stds * std): the paper's own
    # spread, or a relative band where the paper's spread is smaller than reruns vary
    relative: float = 0.05
    stds: float = 2.0
    same_dataset: bool = True  # False: a value published for another dataset, for reference
    # a claim of the source tests this anchor (it counts once in the source's verdict)
    claimed: bool = False

    @property
    def counts(self) -> bool:
        """Whether the anchor is a check of its source's verdict of its own."""
        return self.same_dataset and not self.claimed

    @property
    def tolerance(self) -> float:
        return max(self.relative * abs(self.value), self.stds * self.std)

    @property
    def rule(self) -> str:
        return (
            f"within ±{self.tolerance:.3g} (the larger of {self.relative:.0%} of the value and "
            f"{self.stds:g} × the published ±)"
        )

    def judge(self, ours: list[float]) -> str:
        """REPRODUCED when the mean over seeds is within the tolerance, the edge included (up
        to float rounding: 8.42 - 0.421 counts as inside)."""
        slack = 1e-9 * max(1.0, abs(self.value))
        inside = abs(statistics.fmean(ours) - self.value) <= self.tolerance + slack
        return REPRODUCED if inside else NOT_REPRODUCED


GULRAJANI = "Gulrajani et al. 2017, Table 3: TF Inception, 50k samples, 10 splits"
ANCHORS = [
    Anchor(
        "acwgan/cifar10",
        "AC-WGAN-GP ResNet (supervised)",
        "CIFAR-10",
        "is_mean",
        8.42,
        0.10,
        GULRAJANI,
        claimed=True,  # "CIFAR-10 samples replicate Gulrajani et al." (report/claims/acwgan.py)
    ),
    Anchor(
        "acwgan/stl10",
        "AC-WGAN-GP ResNet (supervised), CIFAR-10 value for reference",
        "STL-10 @32",
        "is_mean",
        8.42,
        0.10,
        GULRAJANI + " (no STL-10 value published)",
        same_dataset=False,
    ),
    Anchor(
        "zhu/wgan_gp_resnet_cifar10",
        "WGAN-GP ResNet (unsupervised)",
        "CIFAR-10",
        "is_mean",
        7.86,
        0.07,
        GULRAJANI,
    ),
    Anchor("frank/dcgan", "DCGAN (unsupervised)", "CIFAR-10", "is_mean", 6.16, 0.07, GULRAJANI),
]
ANCHOR_OF = {a.run_id: a for a in ANCHORS}


def comparability(r: Results, a: Anchor) -> str:
    """'comparable', or why not: the scale, the data, and each way our protocol differs from
    the anchor's (features, sample count, IS splits)."""
    reasons = []
    if r.rehearsal:
        reasons.append("the full-scale rehearsal (a few iterations and samples)")
    if r.scale != "full":
        reasons.append(f"{r.scale} scale")
    if r.standins:
        reasons.append("stand-in data")
    if not a.same_dataset:
        reasons.append("a value published for another dataset (shown for reference)")
    ex = r.extractor(a.run_id)
    if ex is not None and ex != a.extractor:
        reasons.append(f"{ex} features, not {a.extractor}")
    ms = r.metrics.get(a.run_id) or []
    protocol = ms[0].get("protocol", {}) if ms else {}
    n = protocol.get("n_samples")
    if n is not None and n != a.n_samples:
        reasons.append(f"{n} samples, not {a.n_samples}")
    splits = protocol.get("is_splits")
    if splits is not None and splits != a.is_splits:
        reasons.append(f"{splits} IS splits, not {a.is_splits}")
    return "comparable" if not reasons else "not comparable: " + ", ".join(reasons)


def anchor_verdict(r: Results, a: Anchor) -> tuple[str, str]:
    """(verdict, why): REPRODUCED / NOT_REPRODUCED under the anchor's protocol, else
    'not comparable' with the reasons, or 'missing'."""
    ours = r.final(a.run_id, a.metric, a.extractor)
    why = comparability(r, a)
    if r.rehearsal:  # the comparison is rehearsed on its numbers, never judged
        mean = f"ours {statistics.fmean(ours):.3g} vs {a.value:g}; " if ours else ""
        return REHEARSAL, mean + why.removeprefix("not comparable: ")
    if why != "comparable":
        return "not comparable", why.removeprefix("not comparable: ")
    if not ours:
        return "missing", f"{a.run_id} has no {a.extractor} {a.metric}"
    mean = statistics.fmean(ours)
    return a.judge(ours), f"ours {mean:.3g} vs {a.value:g}: {a.rule}"

"""Published numbers beside ours, each with its protocol; comparable only under that protocol."""

from __future__ import annotations

from dataclasses import dataclass

from ganrepro.report.results import Results


@dataclass(frozen=True)
class Anchor:
    run_id: str
    model: str
    dataset: str
    metric: str  # key in metrics.json
    value: float
    std: float
    where: str  # paper and protocol


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
    ),
    Anchor(
        "acwgan/stl10",
        "AC-WGAN-GP ResNet (supervised), CIFAR-10 value for reference",
        "STL-10 @32",
        "is_mean",
        8.42,
        0.10,
        GULRAJANI + " (no STL-10 value published)",
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


def comparability(r: Results, run_id: str) -> str:
    """'comparable', or why not."""
    reasons = []
    if r.scale != "full":
        reasons.append(f"{r.scale} scale")
    if r.standins:
        reasons.append("stand-in data")
    if r.extractor(run_id) != "inception":
        reasons.append("classifier-IS, not Inception")
    ms = r.metrics.get(run_id) or []
    if ms and ms[0]["protocol"]["n_samples"] < 50000:
        reasons.append(f"{ms[0]['protocol']['n_samples']} samples, not 50k")
    return "comparable" if not reasons else "not comparable: " + ", ".join(reasons)

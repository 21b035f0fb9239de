"""Each source's qualitative claims, the measurement coded to test each, and its verdict: one
module per source (its claims, each quoting the sentence it tests), the pieces they are built
from in :mod:`ganrepro.report.judging`, the statistics in :mod:`ganrepro.report.stats`.

Claims about absolute values need the full scale, real data and Inception features. The
sentences with testable content that no claim tests are listed in :data:`UNTESTED` with the
reason, and the report shows them.
"""

from __future__ import annotations

from ganrepro.report.claims import acwgan, agarwal, ding, frank, zhu
from ganrepro.report.judging import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Claim,
    Verdict,
)
from ganrepro.report.results import Results
from ganrepro.report.stats import bh

CLAIMS: list[Claim] = [*acwgan.CLAIMS, *agarwal.CLAIMS, *ding.CLAIMS, *frank.CLAIMS, *zhu.CLAIMS]

# (source, the sentence, why no claim tests it here)
UNTESTED: list[tuple[str, str, str]] = [
    (
        "zhu",
        "we reproduced the current state-of-art generative model introduced by (Rie Johnson "
        "and Tong Zhang, 2018) and achieved comparable performance",
        "no CFG-GAN score of Johnson & Zhang is recorded as an anchor under our protocol "
        "(their paper scores other nets and datasets), so there is nothing to be comparable to",
    ),
    (
        "zhu",
        "especially in horse class(8th line), ship class(9th line) and truck class (10th line)",
        "the runs are unconditional: a sample has no class to be better in, and a "
        "classifier's guess would measure the classifier",
    ),
    (
        "zhu",
        "images generated from WGAN-GP could not be identified easily and collapse in terms of "
        "color in our experiment",
        "no colour-diversity measure is defined in SPEC's protocol",
    ),
    (
        "ding",
        "sometimes GAN generates images with noise and WGAN generates images with incoherent lines",
        "a description of the look of samples (the figures show them), no quantity",
    ),
    (
        "agarwal",
        "if I were able to train this network for a larger number of epochs (like for around "
        "500 steps) , I believe this model would have given great results",
        "a counterfactual about a longer run than the text's; the full scale trains its 50 epochs",
    ),
    (
        "agarwal",
        "This model is better than other models as it creates a new image every single time.",
        "the conditional model is compared on its labels, the others have none: no common "
        "measure of 'a new image every time' is defined",
    ),
]


def judge_all(r: Results) -> dict[Claim, Verdict]:
    """Every claim's verdict on ``r``, in CLAIMS order."""
    return {claim: claim.judge(r) for claim in CLAIMS}


def qvalues(verdicts: dict[Claim, Verdict]) -> dict[Claim, float | None]:
    """Benjamini-Hochberg q-values across the claims table (claims without a p get None)."""
    claims = list(verdicts)
    return dict(zip(claims, bh([verdicts[c].p for c in claims]), strict=True))


__all__ = [
    "CLAIMS",
    "INCONCLUSIVE",
    "NOT_SUPPORTED",
    "SUPPORTED",
    "UNTESTED",
    "Claim",
    "Verdict",
    "judge_all",
    "qvalues",
]

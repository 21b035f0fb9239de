"""Each source's qualitative claims, the measurement that tests each, and its verdict. A claim
is declared in its source file (``sources/{source}.yaml``, quoting the sentence it tests): a
comparison or all of several as data, a bespoke measurement as a function of
``sources/{source}.py``. The pieces they are built from are in :mod:`ganrepro.report.judging`,
the statistics in :mod:`ganrepro.report.stats`.

Claims about absolute values need the full scale, real data and Inception features. The
sentences with testable content that no claim tests are listed in :data:`UNTESTED` with the
reason, and the report shows them.
"""

from __future__ import annotations

from ganrepro import sources
from ganrepro.report.judging import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Claim,
    Verdict,
    all_of,
    pairwise,
)
from ganrepro.report.results import Results
from ganrepro.report.stats import bh


def _pairwise(source: str, c: sources.Comparison):
    return lambda r: pairwise(
        r, f"{source}/{c.a}", f"{source}/{c.b}", c.metric, c.better, c.label, c.extractor
    )


def build(spec: sources.ClaimSpec) -> Claim:
    """The claim a source file declares: one comparison (:func:`judging.pairwise`), all of
    several (:func:`judging.all_of`), or a function of ``sources/{source}.py``."""
    if spec.combine == "code":
        test = sources.code(spec.source, spec.code)
    elif spec.combine == "compare":
        test = _pairwise(spec.source, spec.comparisons[0])
    else:
        parts = [_pairwise(spec.source, c) for c in spec.comparisons]

        def test(r: Results, parts=parts) -> Verdict:
            return all_of([part(r) for part in parts])

    return Claim(spec.source, spec.text, test, spec.quote, spec.name)


CLAIMS: list[Claim] = [build(c) for s in sources.load().values() for c in s.claims]

# (source, the sentence, why no claim tests it here), from each source file's ``untested``
UNTESTED: list[tuple[str, str, str]] = [
    (s.name, quote, why) for s in sources.load().values() for quote, why in s.untested
]


def get(claim_id: str) -> Claim:
    """The claim ``source/name``."""
    from ganrepro.registry import UnknownName, unknown

    found = {f"{c.source}/{c.name}": c for c in CLAIMS}
    if claim_id not in found:
        raise UnknownName(unknown("claim", claim_id, found, "see the source files' claims"))
    return found[claim_id]


def judge_all(r: Results) -> dict[Claim, Verdict]:
    """Every claim's verdict on ``r``, in CLAIMS order."""
    return {claim: claim.judge(r) for claim in CLAIMS}


def qvalues(verdicts: dict[Claim, Verdict]) -> dict[Claim, float | None]:
    """Benjamini-Hochberg q-values across the claims table (claims without a p get None)."""
    claims = list(verdicts)
    return dict(zip(claims, bh([verdicts[c].p for c in claims]), strict=True))


__all__ = [
    "CLAIMS",
    "build",
    "get",
    "INCONCLUSIVE",
    "NOT_SUPPORTED",
    "SUPPORTED",
    "UNTESTED",
    "Claim",
    "Verdict",
    "judge_all",
    "qvalues",
]

"""A verdict per source, in the spirit of ReScience's [Re] / [¬Re]: computed from the source's
claims and literature anchors, with one line each for its scope, what was easy and what was hard.

Each check (a claim's verdict, an anchor's comparison) passes, fails or stays open:

- reproduced: every check passes;
- partly reproduced: some pass, the others fail or stay open;
- not reproduced: none passes and at least one fails;
- not testable at this scale: none passes or fails (too few seeds, stand-in data, features
  or sample counts the published numbers were not measured with).
"""

from __future__ import annotations

from dataclasses import dataclass

from ganrepro.config.types import Params
from ganrepro.report.anchors import ANCHORS, NOT_REPRODUCED, REPRODUCED, anchor_verdict
from ganrepro.report.claims import CLAIMS, NOT_SUPPORTED, SUPPORTED, Claim, Verdict
from ganrepro.report.results import REHEARSAL, Results

PASS, FAIL, OPEN = "pass", "fail", "open"
VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "not testable at this scale")
# (the rehearsal's every source reads results.REHEARSAL)
LEARNED = 0.5  # a run learned when its final FID is at most this fraction of its step-0 FID


def source_verdict(outcomes: list[str]) -> str:
    """One of :data:`VERDICTS` from the outcomes (PASS / FAIL / OPEN) of a source's checks."""
    passed, failed = outcomes.count(PASS), outcomes.count(FAIL)
    if passed == 0 and failed == 0:
        return VERDICTS[3]
    if passed == len(outcomes):
        return VERDICTS[0]
    if passed == 0:
        return VERDICTS[2]
    return VERDICTS[1]


@dataclass(frozen=True)
class Summary:
    source: str
    verdict: str
    checks: dict[str, int]  # outcome -> count
    scope: str
    easy: str
    hard: str


def _learned(r: Results, run_id: str) -> bool | None:
    """Did every seed's final FID fall to LEARNED x its step-0 FID? None: not measured."""
    pairs = r.start_and_final(run_id, "fid")
    if not pairs:
        return None
    return all(b <= LEARNED * a for a, b in pairs)


def outcomes(
    r: Results, source: str, verdicts: dict[Claim, Verdict] | None = None
) -> list[tuple[str, str]]:
    """(what, outcome) of each of the source's claims and anchors; ``verdicts``: the claims'
    verdicts on ``r`` when already judged (judging one can take a bootstrap)."""
    out = []
    for claim in CLAIMS:
        if claim.source == source:
            v = (verdicts[claim] if verdicts is not None else claim.judge(r)).verdict
            out.append((claim.text, {SUPPORTED: PASS, NOT_SUPPORTED: FAIL}.get(v, OPEN)))
    for a in ANCHORS:  # those shown for reference, or tested by a claim, count no further
        if a.run_id.split("/")[0] == source and a.counts:
            v, _ = anchor_verdict(r, a)
            out.append(
                (
                    f"{a.model}: {a.metric} {a.value}",
                    {REPRODUCED: PASS, NOT_REPRODUCED: FAIL}.get(v, OPEN),
                )
            )
    return out


def _seeds(params: Params, runs) -> str:
    counts = sorted({params.seeds_for(run.id) for run in runs})
    return f"{' or '.join(map(str, counts))} seed(s) each"


def summarise(
    params: Params,
    r: Results,
    source: str,
    deviations: list[dict],
    verdicts: dict[Claim, Verdict] | None = None,
) -> Summary:
    """The source's verdict and its three lines; ``deviations``: every deviation row (the
    curated list and the scale's derived ones), of any source; ``verdicts`` as
    :func:`outcomes` takes them."""
    runs = [run for run in params.runs.values() if run.source == source]
    checks = outcomes(r, source, verdicts)
    results = [o for _, o in checks]
    datasets = sorted(
        {f"{run.dataset}" + (f" ({run.data})" if run.data != run.dataset else "") for run in runs}
    )
    scope = (
        f"{len(runs)} runs on {', '.join(datasets)}, "
        + _seeds(params, runs)
        + f", {params.label}"
        + (" on stand-in data" if params.standins else "")
        + f"; {len(checks)} checks: "
        + ", ".join(f"{results.count(o)} {o}" for o in (PASS, FAIL, OPEN) if results.count(o))
    )
    learned = [run.id for run in runs if _learned(r, run.id)]
    not_learned = [run.id for run in runs if _learned(r, run.id) is False]
    diverged = [run.id for run in runs if "diverged" in r.statuses(run.id)]
    missing = [run.id for run in runs if not r.metrics.get(run.id)]
    passed = [what for what, o in checks if o == PASS]
    easy = (
        "; ".join(
            part
            for part in (
                f"{len(learned)} of {len(runs)} runs learned (final FID at most "
                f"{LEARNED:g} x step 0 in every seed)"
                if learned
                else "",
                ("held: " + "; ".join(passed)) if passed else "",
            )
            if part
        )
        or "nothing came easily at this scale"
    )
    own = [d for d in deviations if d.get("source") == source]
    failed = [what for what, o in checks if o == FAIL]
    hard = (
        "; ".join(
            part
            for part in (
                ("diverged: " + ", ".join(diverged)) if diverged else "",
                ("did not learn: " + ", ".join(not_learned)) if not_learned else "",
                ("missing: " + ", ".join(missing)) if missing else "",
                ("failed: " + "; ".join(failed)) if failed else "",
                (
                    f"{len(own)} deviations from the source's text, among them "
                    + "; ".join(sorted({d["topic"] for d in own})[:4])
                )
                if own
                else "",
            )
            if part
        )
        or "no divergence, no failed check, no deviation"
    )
    counts = {o: results.count(o) for o in (PASS, FAIL, OPEN)}
    verdict = REHEARSAL if params.rehearsal else source_verdict(results)
    return Summary(source, verdict, counts, scope, easy, hard)

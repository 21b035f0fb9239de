"""The verdict per source and the anchors' declared tolerances, on hand-made results."""

from __future__ import annotations

import dataclasses

import pytest

from ganrepro.report import anchors, summary
from ganrepro.report.anchors import ANCHOR_OF, ANCHORS, Anchor, anchor_verdict
from ganrepro.report.results import Results
from ganrepro.report.summary import FAIL, OPEN, PASS, VERDICTS, source_verdict, summarise


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        ([PASS, PASS], "reproduced"),
        ([PASS, FAIL], "partly reproduced"),
        ([PASS, OPEN], "partly reproduced"),
        ([FAIL, OPEN], "not reproduced"),
        ([FAIL], "not reproduced"),
        ([OPEN, OPEN], "not testable at this scale"),
        ([], "not testable at this scale"),
    ],
)
def test_source_verdict_from_its_checks(outcomes, verdict):
    assert source_verdict(outcomes) == verdict


def test_every_verdict_is_reachable_from_a_results_table(monkeypatch, quick_params):
    """Hand-made check outcomes for one source give each of the four verdicts through
    summarise (the claims and anchors are replaced by fixed ones)."""
    r = Results({run_id: [] for run_id in quick_params.runs}, "small", True)
    seen = set()
    for outcomes in ([PASS], [PASS, FAIL], [FAIL, OPEN], [OPEN]):
        checks = [(f"check {i}", o) for i, o in enumerate(outcomes)]
        monkeypatch.setattr(summary, "outcomes", lambda r, source, verdicts=None, c=checks: c)
        s = summarise(quick_params, r, "ding", [])
        seen.add(s.verdict)
        assert f"{len(outcomes)} checks" in s.scope
    assert seen == set(VERDICTS)


def _metrics(is_mean: float, n: int = 50000, splits: int = 10, ex: str = "inception") -> dict:
    return {
        "data": "cifar10",
        "status": "completed",
        "final": {ex: {"is_mean": is_mean, "fid": 10.0}},
        "curve": [],
        "protocol": {"n_samples": n, "is_splits": splits},
    }


def _full(run_id: str, *values: float, **kw) -> Results:
    return Results({run_id: [_metrics(v, **kw) for v in values]}, "full", False)


def test_tolerance_is_the_larger_of_the_relative_band_and_the_published_spread():
    a = Anchor("x/y", "m", "CIFAR-10", "is_mean", 8.0, 0.1, "here", relative=0.05, stds=2.0)
    assert a.tolerance == pytest.approx(0.4)
    b = Anchor("x/y", "m", "CIFAR-10", "is_mean", 8.0, 0.5, "here", relative=0.05, stds=2.0)
    assert b.tolerance == pytest.approx(1.0)


@pytest.mark.parametrize("anchor", ANCHORS, ids=lambda a: a.run_id)
@pytest.mark.parametrize("sign", [1, -1])
def test_anchor_tolerance_boundary(anchor, sign):
    """Exactly at the edge (as floats compute it) is inside; one part in 10^6 beyond, out."""
    a = dataclasses.replace(anchor, same_dataset=True)
    at_edge = _full(a.run_id, a.value + sign * a.tolerance)
    assert anchor_verdict(at_edge, a)[0] == "reproduced"
    beyond = _full(a.run_id, a.value + sign * a.tolerance * (1 + 1e-6))
    assert anchor_verdict(beyond, a)[0] == "not reproduced"
    # the mean over seeds decides, not each seed
    r = _full(a.run_id, a.value + 2 * a.tolerance, a.value - 2 * a.tolerance)
    assert anchor_verdict(r, a)[0] == "reproduced"


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"n": 10000}, "10000 samples, not 50000"),
        ({"splits": 1}, "1 IS splits, not 10"),
        ({"ex": "classifier"}, "classifier features, not inception"),
    ],
)
def test_an_anchor_off_its_protocol_is_not_comparable(kw, reason):
    a = ANCHOR_OF["frank/dcgan"]
    verdict, why = anchor_verdict(_full(a.run_id, a.value, **kw), a)
    assert verdict == "not comparable" and reason in why
    assert anchor_verdict(_full(a.run_id, a.value), a)[0] == "reproduced"


def test_an_anchor_at_another_scale_or_for_another_dataset_is_not_comparable():
    a = ANCHOR_OF["frank/dcgan"]
    r = Results({a.run_id: [_metrics(a.value)]}, "small", True)
    verdict, why = anchor_verdict(r, a)
    assert verdict == "not comparable" and "small scale" in why and "stand-in data" in why
    stl = ANCHOR_OF["acwgan/stl10"]
    assert anchor_verdict(_full(stl.run_id, stl.value), stl)[0] == "not comparable"
    assert anchors.comparability(_full("frank/dcgan", 6.0), a) == "comparable"


def test_the_acwgan_claim_is_judged_as_its_anchor_and_counts_once():
    from ganrepro.report.claims import CLAIMS

    claim = next(c for c in CLAIMS if c.source == "acwgan" and "8.42" in c.text)
    a = ANCHOR_OF["acwgan/cifar10"]
    inside = _full(a.run_id, a.value - a.tolerance * 0.99)
    outside = _full(a.run_id, a.value - a.tolerance * 1.01)
    assert claim.judge(inside).verdict == "supported"
    assert claim.judge(outside).verdict == "not supported"
    off_protocol = _full(a.run_id, a.value, n=10000)  # the anchor's protocol: 50k samples
    v = claim.judge(off_protocol)
    assert v.verdict == "inconclusive" and "10000 samples, not 50000" in v.reason
    # the claim stands for the CIFAR-10 anchor, and the STL-10 row is for reference only:
    # acwgan's checks are its claims
    checks = summary.outcomes(inside, "acwgan")
    assert len(checks) == sum(c.source == "acwgan" for c in CLAIMS)


def test_a_full_scale_source_with_its_anchor_reproduced(quick_params):
    """frank at full scale: the DCGAN anchor within tolerance passes; its claims on one seed
    stay open, so frank is partly reproduced; far off, the anchor fails instead."""
    runs = [k for k in quick_params.runs if k.startswith("frank/")]
    near = Results({k: [_metrics(6.2)] for k in runs}, "full", False)
    s = summarise(quick_params, near, "frank", [])
    assert s.checks[PASS] == 1 and s.checks[FAIL] == 0 and s.verdict == "partly reproduced"
    far = Results({k: [_metrics(3.0)] for k in runs}, "full", False)
    s = summarise(quick_params, far, "frank", [])
    assert s.checks[FAIL] >= 1 and s.checks[PASS] == 0 and s.verdict == "not reproduced"

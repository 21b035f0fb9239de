"""Which features a run's headline numbers use (SPEC: the domain classifier for MNIST)."""

from __future__ import annotations

import pytest

from ganrepro.outputs.runs import primary_extractor
from ganrepro.report.results import Results


def _metrics(data: str, extractors: tuple[str, ...]) -> dict:
    scores = {ex: {"fid": 10.0 if ex == "inception" else 3.0} for ex in extractors}
    return {"data": data, "status": "completed", "final": scores, "curve": []}


@pytest.mark.parametrize(
    ("data", "extractors", "expect"),
    [
        ("mnist", ("inception", "classifier"), "classifier"),  # the MNIST standard
        ("digits", ("inception", "classifier"), "classifier"),  # MNIST's stand-in
        ("cifar10", ("inception", "classifier"), "inception"),
        ("stl10", ("inception", "classifier"), "inception"),
        ("cifar10", ("classifier",), "classifier"),  # no Inception weights
    ],
)
def test_primary_extractor(data, extractors, expect):
    assert primary_extractor(_metrics(data, extractors)) == expect


def test_results_read_mnist_runs_through_the_classifier():
    r = Results(
        {
            "ding/gan": [_metrics("mnist", ("inception", "classifier"))],
            "frank/dcgan": [_metrics("cifar10", ("inception", "classifier"))],
        },
        scale="full",
        standins=False,
    )
    assert r.extractor("ding/gan") == "classifier" and r.final("ding/gan", "fid") == [3.0]
    assert r.extractor("frank/dcgan") == "inception" and r.final("frank/dcgan", "fid") == [10.0]

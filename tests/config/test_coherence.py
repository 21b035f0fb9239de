"""params.yaml and the source files agree on every name a job looks up, and each kind of
disagreement is one line naming the file and the key (config/coherence.py)."""

from __future__ import annotations

import dataclasses

import pytest

from ganrepro import sources
from ganrepro.config import load_params
from ganrepro.config.coherence import cost_gaps, problems
from ganrepro.registry import LOSSES, Entry
from tests.conftest import ROOT


@pytest.mark.parametrize("scale", ["quick", "small", "full"])
def test_the_project_is_coherent_at_every_scale(scale):
    assert problems(load_params(ROOT / "params.yaml", scale=scale)) == []


def test_every_source_has_a_file_and_every_file_runs(quick_params):
    defs = sources.load()
    assert set(defs) == set(quick_params.sources)
    fewer = dict(list(defs.items())[1:])
    first = next(iter(defs))
    assert problems(quick_params, fewer) == [
        f"params.yaml: source {first!r} has no source file src/ganrepro/sources/{first}.yaml"
    ]
    extra = {**defs, "toy": dataclasses.replace(defs[first], name="toy")}
    assert f"{first}.yaml: no runs under sources.toy in params.yaml" in problems(
        quick_params, extra
    )


def test_each_wrong_name_is_one_line(quick_params):
    defs = sources.load()
    frank = defs["frank"]
    fig = frank.figures["fig7_fid_curves"]
    claim = next(c for c in frank.claims if c.combine == "all_of")
    wrong = dataclasses.replace(
        frank,
        figures={
            **frank.figures,
            "fig7_fid_curves": dataclasses.replace(fig, runs=(*fig.runs, "wgan_gpp")),
            "fig8_interpolation": dataclasses.replace(
                frank.figures["fig8_interpolation"], runs=("dcgan", "wgan")
            ),
        },
        claims=(
            dataclasses.replace(
                claim,
                comparisons=(
                    dataclasses.replace(claim.comparisons[0], metric="recal", extractor="x"),
                ),
            ),
            dataclasses.replace(frank.claims[0], code="no_such_function"),
        ),
    )
    found = problems(quick_params, {**defs, "frank": wrong})
    assert found == [
        "frank.yaml: figures.fig7_fid_curves: no run 'wgan_gpp' in params.yaml",
        "frank.yaml: figures.fig8_interpolation: kind 'interpolation' draws 1 run, not 2",
        "frank.yaml: claims[0] (wgans_avoid_collapse): unknown metric 'recal' (known: fid, "
        "is_mean, kid_mean, precision, recall)",
        "frank.yaml: claims[0] (wgans_avoid_collapse): unknown extractor 'x' (known: "
        "classifier, inception)",
        "frank.yaml: claims[1] (wgans_stabler): no function 'no_such_function' in frank.py",
    ]


def test_a_loss_without_a_report_label_is_caught_before_any_job(quick_params, monkeypatch):
    """The report labels each run by its loss: an entry without a label would have failed
    the report job at the end of the DAG."""
    bce = LOSSES.entry("bce")
    monkeypatch.setitem(LOSSES._entries, "bce", Entry(bce.target, bce.doc, "", bce.reads))
    found = problems(quick_params)
    assert found and all(line.endswith("the loss 'bce' has no report label") for line in found)
    n_bce = sum(r.objective.loss == "bce" for r in quick_params.runs.values())
    assert len(found) == n_bce


def test_cost_gaps_name_the_runs_the_record_lacks_and_a_damaged_record_fails(
    quick_params, tmp_path
):
    gaps = cost_gaps(quick_params, ROOT / "report" / "cost.json")
    assert gaps == [r for r in quick_params.runs if r.endswith("_adam_default")]
    bad = tmp_path / "cost.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match="not a bench_cost.py record"):
        cost_gaps(quick_params, bad)
    assert cost_gaps(quick_params, tmp_path / "none.json") == []

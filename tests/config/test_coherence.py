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


def test_a_kind_on_runs_it_cannot_draw_is_caught(quick_params):
    """The divergence figure reads CFG-GAN's guard, class_accuracy and paired need labels."""
    defs = sources.load()
    zhu = defs["zhu"]
    wrong = dataclasses.replace(
        zhu,
        figures={
            **zhu.figures,
            "divergence": dataclasses.replace(
                zhu.figures["divergence"], runs=("cfg_resnet_cifar10", "dcgan_mnist")
            ),
        },
    )
    assert problems(quick_params, {**defs, "zhu": wrong}) == [
        "zhu.yaml: figures.divergence: kind 'divergence' needs cfg runs; 'dcgan_mnist' is not"
    ]


def _write(folder, name, text):
    (folder / name).write_text(text)
    sources.load.cache_clear()
    sources.shared_trace.cache_clear()
    return folder


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reported: {gan: {fid: 3}}", "toy.yaml: reported.gan: unknown key 'fid'"),
        ("reported: {gan: {d_loss: x, g_loss: 1}}", "toy.yaml: reported.gan.d_loss: expected a"),
        ("trace: {fixed: {x: {value: 1}}}", "toy.yaml: trace.fixed.x: missing key 'origin'"),
        ("trace: {runs: {gan: [a]}}", "toy.yaml: trace.runs.gan: expected a mapping"),
        ("trace: {settings: {lr: ''}}", "toy.yaml: trace.settings.lr: expected a non-empty"),
        (
            "claims: [{text: a, quote: b, compare: {a: x, b: y, metric: fid, better: up}}]",
            "toy.yaml: claims[0].compare.better: 'up': expected lower or higher",
        ),
    ],
)
def test_a_malformed_source_file_is_one_line_naming_its_key(tmp_path, text, message):
    _write(tmp_path, "toy.yaml", f"description: d\n{text}\n")
    try:
        with pytest.raises(sources.SourceError) as err:
            sources.load(tmp_path)
        assert str(err.value).startswith(message), str(err.value)
    finally:
        sources.load.cache_clear()
        sources.shared_trace.cache_clear()


def test_the_shared_origins_are_checked_when_the_sources_load(tmp_path):
    _write(tmp_path, "toy.yaml", "description: d\n")
    _write(tmp_path, "_shared.yaml", "trace: {settings: {lr: [1]}}\n")
    try:
        with pytest.raises(sources.SourceError, match=r"_shared.yaml: trace.settings.lr: expected"):
            sources.load(tmp_path)
    finally:
        sources.load.cache_clear()
        sources.shared_trace.cache_clear()


def test_a_source_may_not_take_a_name_of_the_sources_package(quick_params):
    """Its claim module would replace that attribute of ganrepro.sources when imported."""
    defs = sources.load()
    taken = {**defs, "load": dataclasses.replace(defs["frank"], name="load")}
    assert "frank.yaml: 'load' is a name of ganrepro.sources itself: rename it" in problems(
        quick_params, taken
    )


def test_a_run_a_claim_module_spells_out_must_exist(quick_params, tmp_path):
    """A bespoke claim's "source/run" literals are read from its module (not imported) and
    checked like a declared claim's runs."""
    defs = sources.load()
    frank = defs["frank"]
    code = frank.path.with_suffix(".py").read_text()
    assert code.count('"frank/wgan_gp"') == 1
    (tmp_path / "frank.py").write_text(code.replace('"frank/wgan_gp"', '"frank/wgann_gp"'))
    moved = dataclasses.replace(frank, path=tmp_path / "frank.yaml")
    assert problems(quick_params, {**defs, "frank": moved}) == [
        "frank.py: names the run 'frank/wgann_gp', which params.yaml does not have"
    ]

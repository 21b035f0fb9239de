"""The settings trace: every result-changing full-scale setting of every run has an origin,
and the report shows the value params.yaml holds, never one typed into the trace."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ganrepro.config import load_params
from ganrepro.report import trace as tr

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def full():
    return load_params(ROOT / "params.yaml", scale="full")


@pytest.fixture(scope="module")
def trace():
    return tr.load_trace()


def test_every_result_changing_setting_of_every_run_has_an_origin(full, trace):
    sources = yaml.safe_load((ROOT / "params.yaml").read_text())["sources"]
    assert len(full.runs) == sum(len(runs) for runs in sources.values())
    assert tr.untraced(trace, full) == []


def test_the_trace_names_only_settings_that_exist(full, trace):
    assert tr.stale(trace, full) == []


def test_every_origin_says_what_kind_it_is(trace):
    assert tr.without_kind(trace) == []


def test_the_source_texts_words_are_kind_text_not_seed(trace):
    """``text:`` quotes the source text; ``seed`` is a random seed's word, never a kind."""
    kinds = {"text": 0, "code": 0, "paper": 0, "ours": 0}
    for entry in trace.values():
        for origin in (entry.get("settings") or {}).values():
            for m in tr.KIND.finditer(origin):
                kinds[m[1]] += 1
    assert all(kinds.values()), kinds
    old = copy.deepcopy(trace)
    old["frank"]["settings"]["optim.lr"] = "seed: section 4.2 table"
    assert tr.without_kind(old) == ["frank: optim.lr"]


def test_a_setting_without_an_origin_is_caught(full, trace):
    holed = copy.deepcopy(trace)
    del holed["frank"]["settings"]["optim.lr"]
    assert tr.untraced(holed, full) == [
        f"frank/{r}: optim.lr" for r in ("dcgan", "wgan", "wgan_gp")
    ]
    rows = [r for r in tr.trace_rows(holed, full, "frank") if r[0] == "optim.lr"]
    assert rows and all(r[3] == "MISSING" for r in rows)
    holed["ding"]["runs"] = {"wgan": {"no.such.key": "ours: x"}}
    assert "ding/wgan: no.such.key" in tr.stale(holed, full)


def test_only_names_and_evaluation_keys_are_left_out(full):
    keys = set(tr.leaves(full, "acwgan/cifar10"))
    assert not keys & {"source", "name", "data", "eval.checkpoints"}
    assert {"optim.lr", "optim.betas", "schedule.n_critic", "model.d_norm"} <= keys
    assert "optim.alpha" not in keys  # None: RMSprop's alpha does not apply to Adam


def test_values_are_read_from_params_at_full_scale(full, trace, tmp_path):
    rows = {(r[0], r[2]): r for r in tr.trace_rows(trace, full, "frank")}
    assert rows[("optim.lr", "wgan")][1] == "5e-05"
    assert rows[("schedule.epochs", "dcgan")][1] == "40"
    # change the value in params.yaml: the trace shows the new value with the same origin
    text = (ROOT / "params.yaml").read_text()
    old = "schedule: {batch_size: 128, n_critic: 1, epochs: {quick: 24, small: 24, full: 40}, reuse"
    assert old in text
    (tmp_path / "params.yaml").write_text(text.replace(old, old.replace("full: 40", "full: 41")))
    changed = load_params(tmp_path / "params.yaml", scale="full")
    rows = {(r[0], r[2]): r for r in tr.trace_rows(trace, changed, "frank")}
    assert rows[("schedule.epochs", "dcgan")][1] == "41"
    assert rows[("schedule.epochs", "dcgan")][3].startswith("text: ")


def test_trace_html_has_a_table_per_source(full):
    page = tr.trace_html(full)
    assert page.count("<table>") == len(full.sources)
    assert "gan_cifar_resnet.py l.44 LR = 2e-4" in page
    assert "<b>text</b> quotes the source text" in page and "<b>seed</b>" not in page
    assert tr.trace_html(full, {}).count("MISSING") > 0  # an empty trace: every origin missing

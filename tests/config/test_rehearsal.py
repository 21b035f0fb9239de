"""The full-scale rehearsal's parameters: every full-scale setting except its budgets, its own
results tree and hashes, and one clear message per bad rehearsal section."""

from __future__ import annotations

import dataclasses

import pytest

from ganrepro import layout
from ganrepro.config import ParamsError, parse_params
from ganrepro.jobs import Table
from ganrepro.train.adversarial import total_iterations


@pytest.fixture(scope="module")
def pair(raw_params):
    return parse_params(raw_params, "full"), parse_params(raw_params, rehearse=True)


def test_the_rehearsal_keeps_every_full_setting_but_its_budgets(pair, raw_params):
    full, rh = pair
    budget = raw_params["rehearsal"]
    assert rh.scale == "full" and rh.tree == "rehearsal" and full.tree == "full"
    assert rh.seed == full.seed and rh.seeds == full.seeds and not rh.standins
    assert rh.datasets == full.datasets and rh.resources == full.resources
    for run_id, run in full.runs.items():
        ours = rh.runs[run_id]
        # the same run but for the stop and the number of checkpoints
        assert dataclasses.replace(ours, rehearsal=None, eval=run.eval) == run
        assert ours.rehearsal == budget["steps"]
        assert ours.eval.checkpoints == min(run.eval.checkpoints, budget["checkpoints"])
        assert ours.hash() != run.hash()  # a rehearsal checkpoint never resumes a real run
        assert "rehearsal" not in run.to_dict()  # a real run's hash is what it always was
    ev, fe = rh.evaluation, full.evaluation
    n = budget["samples"]
    assert (ev.n_samples, ev.n_samples_test, ev.n_samples_curve) == (n, n, n)
    assert ev.n_reference == budget["reference"] and ev.cherry_pool == n
    assert ev.extractors == fe.extractors == ("inception", "classifier")
    assert (ev.is_splits, ev.kid_subsets, ev.draws) == (fe.is_splits, fe.kid_subsets, fe.draws)
    assert ev.inception_weights == layout.Tree("rehearsal").inception
    assert rh.classifier == dataclasses.replace(
        full.classifier, max_steps=budget["classifier_steps"]
    )


def test_all_seeds_only_for_the_named_runs_and_one_per_trainer(pair, raw_params):
    full, rh = pair
    named = set(raw_params["rehearsal"]["all_seeds"])
    assert {rh.runs[r].trainer for r in named} == {r.trainer for r in full.runs.values()}
    for run_id in full.runs:
        assert full.seeds_for(run_id) == full.seeds
        assert rh.seeds_for(run_id) == (full.seeds if run_id in named else 1)


def test_a_rehearsal_training_stops_early_on_the_full_schedule(pair):
    """The stop is the rehearsal's; the schedule it stops in (lr decay, epochs) is the full
    one: the trainer's total is the full run's."""
    full, rh = pair
    run = rh.runs["zhu/wgan_gp_resnet_cifar10"]
    assert total_iterations(run, 50_000) == total_iterations(full.runs[run.id], 50_000) == 100_000


def test_every_job_lives_in_the_rehearsal_tree(pair, raw_params):
    _, rh = pair
    table = Table(rh, raw_params)
    for job in table.jobs.values():
        paths = [*job.outputs.values(), *(p for p in job.input_files() if p.startswith("results"))]
        assert all(p.startswith("results/rehearsal/") for p in paths), (job.name, paths)
        assert "--rehearse" in job.args and "--scale" in job.args
    rules = {job.rule for job in table.jobs.values()}
    assert {"rehearsal_archives", "rehearsal_inception"} <= rules
    # each real dataset's download is served from its own archives
    for d in rh.data_names():
        job = table.jobs[f"prepare_data-{d}"]
        assert job.inputs == {"archives": f"results/rehearsal/archives/{d}"}


def test_a_changed_budget_reruns_the_rehearsal_not_the_real_runs(raw_params, fresh_raw):
    fresh_raw["rehearsal"]["samples"] = 30
    before = Table(parse_params(raw_params, rehearse=True), raw_params).jobs
    after = Table(parse_params(fresh_raw, rehearse=True), fresh_raw).jobs
    changed = {n for n in before if before[n].config_hash != after[n].config_hash}
    assert changed and {before[n].rule for n in changed} <= {
        "classifier", "stats", "train", "evaluate", "visuals", "report"
    }  # fmt: skip
    real = Table(parse_params(raw_params, "full"), raw_params).jobs
    real_after = Table(parse_params(fresh_raw, "full"), fresh_raw).jobs
    assert all(real[n].config_hash == real_after[n].config_hash for n in real)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            {"checkpoints": 3, "steps": 2},
            "rehearsal.checkpoints: 3 checkpoints need at least as many steps, got steps 2",
        ),
        ({"checkpoints": 1}, "rehearsal.checkpoints: the rehearsal needs at least 2 (a curve)"),
        ({"all_seeds": ["frank/nope"]}, "rehearsal.all_seeds: unknown run 'frank/nope'"),
        (
            {"all_seeds": ["ding/gan"]},
            "rehearsal.all_seeds: no run of trainer 'cfg' trains every seed: name one",
        ),
        ({"samples": 5}, "rehearsal.samples: 5 samples cannot fill evaluation.is_splits (10)"),
        ({"steps": 0}, "rehearsal.steps: must be >= 1, got 0"),
    ],
)
def test_a_bad_rehearsal_section_is_one_message(fresh_raw, edit, message):
    fresh_raw["rehearsal"].update(edit)
    with pytest.raises(ParamsError) as err:
        parse_params(fresh_raw, rehearse=True)
    assert str(err.value).startswith(message)


def test_the_rehearsal_is_of_the_full_scale_only(raw_params):
    with pytest.raises(ParamsError, match="the rehearsal rehearses the full scale, not 'quick'"):
        parse_params(raw_params, "quick", rehearse=True)
    assert parse_params(raw_params, "full", rehearse=True).rehearsal is not None

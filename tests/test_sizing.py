"""What each job asks the scheduler for (ganrepro.sizing): at the full scale, from the
rehearsal's measurements on the same device and settings, hand-computed here; otherwise
params.yaml's values, said by name; retries that grow the time; runs that cannot fit."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from ganrepro.config import load_params, parse_params
from ganrepro.jobs import Table
from ganrepro.measure import pairwise, settings_key
from ganrepro.sizing import (
    REAL_SPLITS,
    Sizing,
    evaluation_calls,
    evaluation_plan,
    format_table,
    model_matches,
    stats_images,
)
from ganrepro.train.runtime import Runtime

from .conftest import ROOT

RUN = "ding/wgan_gp"


@pytest.fixture(scope="module")
def full():
    return load_params(ROOT / "params.yaml", scale="full")


@pytest.fixture(scope="module")
def rehearsal():
    return load_params(ROOT / "params.yaml", rehearse=True)


@pytest.fixture(scope="module")
def table(full, raw_params):
    return Table(full, raw_params)


KNOBS = Runtime.parse(None).to_dict()  # the training step's default knobs


def line(rehearsal, job, rule, subject, device="cpu", name="AMD EPYC 7B13", **detail):
    """A resources.jsonl line as the rehearsal's job writes it (ganrepro.cli._record)."""
    knobs = KNOBS if rule == "train" else None
    return {
        "job": job,
        "wall_s": 10.0,
        "cpu_s": 18.0,
        "peak_rss_mb": 1000.0,
        "device": device,
        "device_name": name,
        "started": "2026-12-02T10:00:00+00:00",
        "sizing": {
            "rule": rule,
            "subject": subject,
            "key": settings_key(rehearsal, rule, subject, knobs),
        },
        **detail,
    }


def write(tmp_path, *lines, name="resources.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    return path


def train_line(rehearsal, **kw):
    detail = {"train_wall_s": 4.0, "s_per_step": 0.1, "steps": 2, "schedule_steps": 37500}
    return line(rehearsal, "train-ding-wgan_gp", "train", RUN, **{**detail, **kw})


def test_the_rehearsals_key_is_the_full_runs_and_any_other_setting_changes_it(
    full, rehearsal, fresh_raw
):
    for run_id in full.runs:
        for rule in ("train", "evaluate"):
            assert settings_key(full, rule, run_id) == settings_key(rehearsal, rule, run_id)
    for dataset in ("mnist", "cifar10", "stl10"):
        for rule in ("stats", "classifier"):
            assert settings_key(full, rule, dataset) == settings_key(rehearsal, rule, dataset)
    fresh_raw["sources"]["ding"]["wgan_gp"]["optim"]["lr"] = 2e-4
    changed = parse_params(fresh_raw, "full")
    assert settings_key(changed, "train", RUN) != settings_key(full, "train", RUN)
    assert settings_key(changed, "train", "ding/gan") == settings_key(full, "train", "ding/gan")


def test_a_training_is_sized_from_its_seconds_per_step_times_the_schedule(
    full, rehearsal, table, tmp_path
):
    path = write(tmp_path, train_line(rehearsal))
    ask = Sizing(full, "cpu", measurements=path).ask(table.jobs["train-ding-wgan_gp"])
    cfg = full.sizing
    need = ((10.0 - 4.0) + 0.1 * 37500) * cfg.time_margin  # setup + s/step x schedule
    assert ask.source == "rehearsal" and ask.gpu == 0
    assert ask.runtime == math.ceil(need / 60)
    assert ask.mem_mb == math.ceil(1000.0 * cfg.mem_margin)
    assert ask.need_s == pytest.approx(need)
    # every seed of the run is sized from the same measurement
    seed2 = Sizing(full, "cpu", measurements=path).ask(table.jobs["train-ding-wgan_gp-seed2"])
    assert (seed2.runtime, seed2.mem_mb) == (ask.runtime, ask.mem_mb)


def test_an_evaluation_is_sized_per_image_per_call_and_per_pair(full, rehearsal, table, tmp_path):
    ev = full.evaluation
    n_ext = len(ev.extractors)
    r_calls = evaluation_calls(rehearsal, RUN)
    entry = line(
        rehearsal,
        "evaluate-ding-wgan_gp",
        "evaluate",
        RUN,
        work_s=9.0,
        extract_s=6.0,
        images=sum(n for n, _ in r_calls) * n_ext,
        calls=len(r_calls) * n_ext,
        pair_s_2048=1e-7,  # timed at scale by the rehearsal's evaluation
    )
    path = write(tmp_path, entry)
    ask = Sizing(full, "cpu", measurements=path).ask(table.jobs["evaluate-ding-wgan_gp"])
    calls = evaluation_calls(full, RUN)
    ref = {"train": min(ev.n_reference, 60_000), "test": min(ev.n_reference, 10_000)}
    pairs = sum(pairwise(n, ref[s], ev.kid_subsets, ev.kid_subset_size) for n, s in calls)
    need = 1.5 * (
        (10.0 - 9.0)  # setup: the job's wall time outside its work
        + 6.0 / (sum(n for n, _ in r_calls) * n_ext) * sum(n for n, _ in calls) * n_ext
        + 3.0 / (len(r_calls) * n_ext) * len(calls) * n_ext
        + 1e-7 * (2048 + 128) / 2048 * pairs  # each extractor's pairs at its dimension
    )
    assert ask.need_s == pytest.approx(need)
    assert ask.runtime == min(max(10, math.ceil(need / 60)), full.sizing.max_runtime)
    # memory: both splits' reference features, the largest call's features and logits, and
    # precision/recall's 10,000-row distance block with its concatenation
    largest = max(n for n, _ in calls)
    refs = (ref["train"] + ref["test"]) * (2048 + 128) * 8
    feats = 2 * largest * (2048 + 1008 + 128 + 10) * 8
    prc = 2 * min(10_000, largest) * ref["train"] * 4
    assert ask.mem_mb == math.ceil((1000.0 + (refs + feats + prc) / 2**20) * 1.5)
    assert [ask.mem_at(a) for a in (1, 2)] == [ask.mem_mb, 2 * ask.mem_mb]


def test_the_pairwise_rate_is_timed_where_pairs_dominate():
    from ganrepro.evaluate.metrics import pairwise_seconds

    rate = pairwise_seconds(64, kid_subsets=2, kid_subset_size=200, n=400)
    # seconds per pair of 64-dimensional features: about 1e-6 on a quiet 2-core machine; the
    # bound leaves 100x for a loaded one (a timing is the benchmarks' job, not the suite's) and
    # still catches a rate per image instead of per pair (x400 here)
    assert 0 < rate < 1e-4


def test_statistics_are_sized_from_the_real_split_sizes(full):
    from ganrepro.data.synthetic import SIZES

    for name, splits in SIZES.items():  # the rehearsal's labelled splits are the real ones
        assert {k: v for k, v in REAL_SPLITS[name].items() if k != "unlabeled"} == splits
    ev = full.evaluation
    n = ev.n_reference
    assert stats_images(full, "mnist") == (
        min(n, 60_000) + min(n, 10_000) + min(ev.n_samples, 10_000) + min(ev.n_samples_test, 60_000)
    )


def test_a_gpu_type_matches_whole_words_of_the_devices_name():
    a100 = "NVIDIA A100-SXM4-80GB"
    assert model_matches("a100", a100) and model_matches("A100", a100)
    assert model_matches("a100_80gb", a100) and model_matches("", a100)
    assert not model_matches("a10", a100) and not model_matches("a100_40gb", a100)
    assert not model_matches("l4", "NVIDIA L40S") and model_matches("l40s", "NVIDIA L40S")
    assert not model_matches("a40", "NVIDIA RTX A4000")
    assert model_matches("h100", "NVIDIA H100 80GB HBM3")


def test_the_evaluation_plan_counts_what_evaluate_scores(full):
    ev, run = full.evaluation, full.run(RUN)
    curve = run.eval.checkpoints + 1  # step 0 and each periodic checkpoint
    images, calls = evaluation_plan(full, RUN)  # ding's MNIST runs keep the test split held out
    assert images == (
        curve * ev.n_samples_curve
        + ev.draws * ev.n_samples
        + ev.n_samples_test
        + ev.n_samples
        + ev.n_samples_test
    )
    assert calls == curve + ev.draws + 1 + 2
    assert evaluation_plan(full, RUN, best=False) == (
        images - ev.n_samples - ev.n_samples_test,
        calls - 2,
    )
    on_test = full.run("acwgan/stl10")  # trained on the test split: no test scores
    assert "test" in on_test.splits
    images, calls = evaluation_plan(full, "acwgan/stl10")
    curve = on_test.eval.checkpoints + 1
    assert (images, calls) == (
        curve * ev.n_samples_curve + (ev.draws + 1) * ev.n_samples,
        curve + ev.draws + 1,
    )
    # what the real evaluations counted is checked against the plan in
    # tests/workflow/test_rehearsal.py (the rehearsal's jobs)


def test_a_measurement_from_another_device_or_other_settings_is_not_used(
    full, rehearsal, table, tmp_path, fresh_raw
):
    job = table.jobs["train-ding-wgan_gp"]
    cpu = write(tmp_path, train_line(rehearsal))
    ask = Sizing(full, "auto", measurements=cpu).ask(job)  # asks for a GPU: a CPU line is not it
    assert ask.source == "params.yaml" and ask.gpu == 1
    assert ask.runtime == full.resources["train"].runtime
    assert "measured on AMD EPYC 7B13, not on cuda: not used" in ask.why
    h100 = write(
        tmp_path,
        train_line(rehearsal, device="cuda:0", name="NVIDIA H100 80GB HBM3"),
        name="h100.jsonl",
    )
    assert Sizing(full, "cuda", measurements=h100).ask(job).source == "rehearsal"
    a100 = replace(
        full,
        resources={**full.resources, "train": replace(full.resources["train"], gpu_model="a100")},
    )
    ask = Sizing(a100, "cuda", measurements=h100).ask(job)
    assert ask.source == "params.yaml" and "not on cuda (a100)" in ask.why
    h100_model = replace(
        a100,
        resources={**a100.resources, "train": replace(a100.resources["train"], gpu_model="h100")},
    )
    assert Sizing(h100_model, "cuda", measurements=h100).ask(job).gpu_model == "h100"
    # the run changed since the rehearsal
    fresh_raw["sources"]["ding"]["wgan_gp"]["schedule"]["n_critic"] = 3
    changed = parse_params(fresh_raw, "full")
    ask = Sizing(changed, "cpu", measurements=cpu).ask(Table(changed, fresh_raw).jobs[job.name])
    assert ask.source == "params.yaml" and "other settings of ding/wgan_gp" in ask.why
    # a training rehearsed with other runtime knobs (bf16) sizes no fp32 run, and vice versa
    bf16 = {**KNOBS, "autocast": "bf16"}
    assert Sizing(full, "cpu", measurements=cpu, runtime=bf16).ask(job).source == "params.yaml"
    assert Sizing(full, "cpu", measurements=cpu, runtime=KNOBS).ask(job).source == "rehearsal"
    lines = Sizing(changed, "cpu", measurements=cpu).summary([ask])
    assert "other settings of ding/wgan_gp" in lines[1]


def test_a_retry_asks_for_more_time_up_to_the_partitions_limit(full, rehearsal, table, tmp_path):
    path = write(tmp_path, train_line(rehearsal))
    ask = Sizing(full, "cpu", measurements=path).ask(table.jobs["train-ding-wgan_gp"])
    first = ask.runtime
    assert [ask.runtime_at(a) for a in (1, 2, 3)] == [
        min(first * a, full.sizing.max_runtime) for a in (1, 2, 3)
    ]
    assert ask.resources(2)["runtime"] == ask.runtime_at(2)


def test_a_retry_at_the_quick_scale_asks_for_more_time_too(raw_params):
    quick = load_params(ROOT / "params.yaml", scale="quick")
    job = Table(quick, raw_params).jobs["train-frank-wgan_gp"]
    ask = Sizing(quick, "cpu").ask(job)
    assert ask.source == "params.yaml"
    first = quick.resources["train"].runtime
    assert [ask.runtime_at(a) for a in (1, 2, 3)] == [first, 2 * first, 3 * first]
    assert [ask.mem_at(a) for a in (1, 2)] == [ask.mem_mb, 2 * ask.mem_mb]


def test_a_run_that_cannot_fit_its_attempts_is_named(full, rehearsal, table, tmp_path):
    slow = write(tmp_path, train_line(rehearsal, s_per_step=12.0))  # 37,500 x 12 s: 125 h
    sizing = Sizing(full, "cpu", measurements=slow)
    ask = sizing.ask(table.jobs["train-ding-wgan_gp"])
    assert ask.runtime_at(1) == full.sizing.max_runtime  # capped at the partition's limit
    (problem,) = sizing.problems([ask], retries=2)
    assert problem.startswith("train-ding-wgan_gp: needs about 187.5 h")
    assert f"3 attempt(s) of at most {full.sizing.max_runtime} min" in problem
    roomy = replace(full, sizing=replace(full.sizing, max_runtime=5000))
    assert (
        Sizing(roomy, "cpu", measurements=slow).problems(
            [Sizing(roomy, "cpu", measurements=slow).ask(table.jobs["train-ding-wgan_gp"])],
            retries=2,
        )
        == []
    )  # 3 attempts of 5,000 min: 250 h


def test_other_scales_and_unmeasured_jobs_keep_params_yaml(quick_params, raw_params, full, table):
    quick = Table(quick_params, raw_params)
    ask = Sizing(quick_params, "auto").ask(quick.jobs["train-ding-wgan_gp"])
    res = quick_params.resources["train"]
    assert (ask.runtime, ask.mem_mb, ask.threads, ask.gpu) == (
        res.runtime,
        res.mem_mb,
        res.threads,
        res.gpu,
    )
    # the classifier takes no --device: it never asks for a GPU
    clf = Sizing(full, "auto").ask(table.jobs["classifier-mnist"])
    assert clf.gpu == 0 and clf.cpus_per_gpu == 0
    ev = Sizing(full, "auto").ask(table.jobs["evaluate-ding-wgan_gp"])
    assert ev.gpu == 1 and ev.cpus_per_gpu == full.resources["evaluate"].threads
    assert "evaluate-ding-wgan_gp" in format_table([clf, ev])


def test_what_snakemake_submits_is_what_ganrepro_jobs_prints(root, tmp_path, rehearsal):
    """A sized job's resources in the workflow (a dry run prints them) are the ones
    `ganrepro jobs --resources` prints, from the rehearsal's file in the project."""
    import re

    from .conftest import copy_repo, snakemake, tool

    repo = copy_repo(root, tmp_path)
    gpu = train_line(rehearsal, device="cuda:0", name="NVIDIA H100 80GB HBM3")
    (repo / "results/rehearsal").mkdir(parents=True)
    write(repo / "results/rehearsal", gpu)
    res = snakemake(
        "-n", "results/full/runs/ding/wgan_gp/checkpoint.pt", "--config", "scale=full", cwd=repo
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    out = res.stdout + res.stderr
    assert "resources: 3 of " in out  # the run's 3 seeds, from seed 0's measurement
    block = out[out.index("rule train:") :]
    block = block[: block.index("\n\n")]
    submitted = dict(re.findall(r"(\w+)=([^,\s]+)", block.split("resources:")[1]))
    printed = (
        tool("ganrepro", "jobs", "train-ding-wgan_gp", "--resources", "--scale", "full", cwd=repo)
        .stdout.splitlines()[1]
        .split()
    )
    assert printed[0] == "train-ding-wgan_gp" and printed[5:7] == ["min", "rehearsal:"]
    assert submitted["runtime"] == printed[4] and submitted["mem_mb"] == printed[3]
    assert submitted["gpu"] == "1" and printed[2] == "1"
    need = ((10.0 - 4.0) + 0.1 * 37500) * 1.5
    assert int(submitted["runtime"]) == math.ceil(need / 60)

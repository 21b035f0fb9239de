"""The job table (ganrepro.jobs): what each job reads, and which jobs a changed setting makes
stale, worked out without running anything (tests/workflow/test_reruns.py checks the real
Snakemake and DVC against the same expectations)."""

from __future__ import annotations

import json

import pytest

from ganrepro.config import parse_params
from ganrepro.jobs import Table


def table(raw: dict, scale: str = "quick") -> Table:
    return Table(parse_params(raw, scale), raw)


def changed(raw: dict, edit, scale: str = "quick") -> set[str]:
    """Jobs whose settings hash moves under ``edit`` (a function editing a copy of ``raw``)."""
    before = table(raw, scale)
    after_raw = json.loads(json.dumps(raw))
    edit(after_raw)
    after = table(after_raw, scale)
    assert set(after.jobs) == set(before.jobs)
    return {n for n, j in before.jobs.items() if after.jobs[n].config_hash != j.config_hash}


def downstream(t: Table, names: set[str]) -> set[str]:
    """``names`` and every job that reads, transitively, what they write."""
    found, frontier = set(names), list(names)
    while frontier:
        outs = set(t.jobs[frontier.pop()].outputs.values())
        for name, job in t.jobs.items():
            if name not in found and outs & set(job.input_files()):
                found.add(name)
                frontier.append(name)
    return found


def set_lr(r):
    r["sources"]["frank"]["wgan"]["optim"]["lr"]["quick"] = 6e-4


def set_cherry_pool(r):
    r["evaluation"]["cherry_pool"]["quick"] = 40


def set_interpolation_steps(r):
    r["evaluation"]["interpolation_steps"] = 7


def set_digits_split(r):
    r["datasets"]["digits_test_fraction"] = 0.25


def set_full_lr(r):
    r["sources"]["frank"]["wgan"]["optim"]["lr"]["full"] = 6e-5


FRANK_WGAN = {  # frank/wgan's jobs and every job that reads its files
    "train-frank-wgan",
    "evaluate-frank-wgan",
    "visuals-frank-wgan-samples",
    "figure-frank-fig3_losses_wgan",
    "figure-frank-fig4_samples_wgan",
    "figure-frank-fig7_fid_curves",
    "table-frank-metrics",
    "report",
}


INTERPOLATIONS = {  # the interpolation parts, their figures and the report
    "visuals-acwgan-cifar10-interpolation",
    "visuals-acwgan-stl10-interpolation",
    "visuals-frank-dcgan-interpolation",
    "figure-acwgan-fig6_interpolation_cifar10",
    "figure-acwgan-fig7_interpolation_stl10",
    "figure-frank-fig8_interpolation",
    "report",
}
# edit -> (jobs whose settings hash moves, jobs that go stale: those and what reads their files)
CASES = {
    # one run's learning rate: that run's jobs and the outputs drawn from it
    "lr": (set_lr, FRANK_WGAN, FRANK_WGAN),
    # a setting only the cherry-picks read: their sample part; the figure follows its file
    "cherry_pool": (
        set_cherry_pool,
        {"visuals-acwgan-cifar10-cherry", "report"},
        {"visuals-acwgan-cifar10-cherry", "figure-acwgan-fig8_cherry_cifar10", "report"},
    ),
    # a figure setting: the interpolation parts and their figures
    "interpolation_steps": (
        set_interpolation_steps,
        {n for n in INTERPOLATIONS if not n.startswith("figure-")},
        INTERPOLATIONS,
    ),
    # a full-scale value: nothing at quick but the report (it shows full-scale values)
    "full_lr": (set_full_lr, {"report"}, {"report"}),
}


@pytest.mark.parametrize(("edit", "moved", "stale"), CASES.values(), ids=CASES.keys())
def test_a_setting_reruns_exactly_the_jobs_that_depend_on_it(fresh_raw, edit, moved, stale):
    """``moved``: jobs whose settings hash changes; ``stale``: those and what reads their
    outputs (the rerun set Snakemake and DVC must show: tests/workflow/test_reruns.py)."""
    assert changed(fresh_raw, edit) == moved
    assert downstream(table(fresh_raw), moved) == stale


def test_a_dataset_setting_reruns_that_datasets_pipeline(fresh_raw):
    moved = changed(fresh_raw, set_digits_split)
    assert moved == {"prepare_data-digits", "report"}
    stale = downstream(table(fresh_raw), moved)
    mnist_runs = {r for r, run in table(fresh_raw).params.runs.items() if run.data == "digits"}
    assert {n for n in stale if n.startswith("train-")} == {
        "train-" + r.replace("/", "-") for r in mnist_runs
    }
    assert "classifier-digits" in stale and "classifier-photos" not in stale


def reversed_keys(node):
    """``node`` with every mapping's keys in the opposite order."""
    if isinstance(node, dict):
        return {k: reversed_keys(node[k]) for k in reversed(list(node))}
    return [reversed_keys(v) for v in node] if isinstance(node, list) else node


def test_the_order_of_keys_changes_no_hash(fresh_raw):
    """(A comment-only edit is tested on the real Snakemake: tests/workflow/test_reruns.py.)"""
    flipped = reversed_keys(fresh_raw)
    assert list(flipped) != list(fresh_raw)
    a, b = table(fresh_raw), table(flipped)
    assert {n: j.config_hash for n, j in a.jobs.items()} == {
        n: j.config_hash for n, j in b.jobs.items()
    }


def test_settings_stamps_are_written_once_per_value(fresh_raw, tmp_path):
    t = table(fresh_raw)
    assert t.write_stamps(tmp_path) == len(t.jobs)
    assert t.write_stamps(tmp_path) == 0  # the same values: nothing new, no newer file
    job = t.jobs["visuals-acwgan-cifar10-cherry"]
    stamp = json.loads((tmp_path / job.stamp).read_text())
    assert stamp == {"job": job.name, **job.values}
    assert stamp["evaluation.cherry_pool"] == 50
    edited = json.loads(json.dumps(fresh_raw))
    set_cherry_pool(edited)
    assert table(edited).write_stamps(tmp_path) == 2  # the cherry-picks' part and the report
    assert table(fresh_raw).write_stamps(tmp_path) == 0  # changed back: its old file is there


def test_a_stamp_dates_the_value_the_outputs_were_made_with(fresh_raw, tmp_path):
    """First stamps trigger nothing; a new value does; a value changed back does only when
    the outputs were made with the other value (not after a dry run and a revert)."""
    import os

    a = table(fresh_raw)
    a.write_stamps(tmp_path)
    job = a.jobs["visuals-acwgan-cifar10-cherry"]
    out = tmp_path / job.outputs["out"]
    out.parent.mkdir(parents=True)
    out.write_bytes(b"made with A")
    os.utime(out, (1000, 1000))
    assert (tmp_path / job.stamp).stat().st_mtime == 0  # older than any output
    edited = json.loads(json.dumps(fresh_raw))
    set_cherry_pool(edited)
    b = table(edited)
    b.write_stamps(tmp_path)
    b_stamp = tmp_path / b.jobs[job.name].stamp
    assert b_stamp.stat().st_mtime > out.stat().st_mtime  # B is new: the job reruns
    a.write_stamps(tmp_path)  # back to A after a dry run: the outputs are A's
    assert (tmp_path / job.stamp).stat().st_mtime == 0
    b.write_stamps(tmp_path)  # B again, and this time the job runs with it
    out.write_bytes(b"made with B")
    a.write_stamps(tmp_path)  # back to A: B's outputs are newer than A's stamp was
    assert (tmp_path / job.stamp).stat().st_mtime >= out.stat().st_mtime


def test_every_file_a_job_reads_is_written_by_a_job_or_tracked(fresh_raw, root):
    t = table(fresh_raw, "small")
    written = {p for j in t.jobs.values() for p in j.outputs.values()}
    for job in t.jobs.values():
        for path in job.input_files():
            assert path in written or (root / path).is_file(), (job.name, path)


def test_an_unknown_run_is_named(fresh_raw):
    t = table(fresh_raw)
    with pytest.raises(Exception, match="unknown run 'frank/nope'"):
        t.producing("results/quick/runs/frank/nope/metrics.json")
    with pytest.raises(KeyError, match="no job writes results/quick/elsewhere.txt"):
        t.producing("results/quick/elsewhere.txt")


def test_local_inception_weights_are_an_input_of_the_jobs_that_read_them(fresh_raw, tmp_path):
    fresh_raw["evaluation"]["extractors"] = ["inception", "classifier"]
    fresh_raw["evaluation"]["inception_weights"] = "weights/pt_inception.pth"
    t = table(fresh_raw)
    readers = {n for n, j in t.jobs.items() if "weights/pt_inception.pth" in j.input_files()}
    assert readers == {n for n in t.jobs if n.startswith(("stats-", "evaluate-"))}
    fresh_raw["evaluation"]["extractors"] = ["classifier"]  # set but not used: not an input
    assert not any(
        "weights/pt_inception.pth" in j.input_files() for j in table(fresh_raw).jobs.values()
    )


def test_ganrepro_jobs_lists_who_reads_a_key(root, capsys):
    from ganrepro.cli import main

    main(["jobs", "--reading", "evaluation.cherry_pool", "--params", str(root / "params.yaml")])
    assert capsys.readouterr().out.split() == ["visuals-acwgan-cifar10-cherry", "report"]
    main(
        ["jobs", "--reading", "sources.frank.wgan.optim.lr", "--params", str(root / "params.yaml")]
    )
    assert set(capsys.readouterr().out.split()) == FRANK_WGAN
    main(["jobs", "visuals-acwgan-cifar10-cherry", "--params", str(root / "params.yaml")])
    out = capsys.readouterr().out
    assert (
        "evaluation.cherry_pool = 50" in out
        and "results/quick/runs/acwgan/cifar10/cherry.npz" in out
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reading", "evaluation.nosuchkey"], "params.yaml has no key evaluation.nosuchkey"),
        (["train-frank-wgan", "--reading", "seed"], "give a job or --reading KEY, not both"),
        (["train-frank-nope"], "no job 'train-frank-nope' at the quick scale"),
    ],
)
def test_ganrepro_jobs_refuses_a_typo(root, capsys, argv, message):
    from ganrepro.cli import main

    assert main(["jobs", *argv, "--params", str(root / "params.yaml")]) == 2
    assert message in capsys.readouterr().err

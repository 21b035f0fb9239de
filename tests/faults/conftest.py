"""The fault-injection suite: real processes killed, starved of disk, fed NaN and raced, each
checked against an uninterrupted run. The counts (faults injected, survived, bytes lost) are
printed at the end of the session."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from ganrepro.train import checkpoint

from . import procs
from .helpers import (
    ITERATIONS,
    RUN,
    TALLY,
    evaluate_argv,
    logged_steps,
    run_outputs,
    train_argv,
)


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLY["injected"]:
        terminalreporter.write_sep("=", "fault injection")
        terminalreporter.write_line(
            f"faults injected: {TALLY['injected']}, survived: {TALLY['survived']}, "
            f"bytes lost: {TALLY['bytes_lost']}"
        )


@pytest.fixture(scope="session")
def tiny_raw(raw_params) -> dict:
    """params.yaml shrunk to seconds: a 12-iteration RUN, a one-epoch classifier, small
    sample counts."""
    raw = json.loads(json.dumps(raw_params))
    raw["evaluation"].update(
        n_samples=100,
        n_samples_test=100,
        n_samples_curve=100,
        n_reference=200,
        kid_subsets=10,
        kid_subset_size=50,
        is_splits=2,
    )
    raw["classifier"].update(epochs=1, width=8)
    source, name = RUN.split("/")
    run = raw["sources"][source][name]
    run["schedule"] = {
        "batch_size": 16,
        "n_critic": 5,
        "iterations": ITERATIONS,
        "reuse_real": False,
    }
    run["eval"] = {"checkpoints": 3}
    return raw


@pytest.fixture(scope="session")
def tiny(tiny_raw, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_text(yaml.safe_dump(tiny_raw, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def reference(tiny, prepared, tmp_path_factory) -> dict:
    """An uninterrupted run, its wall time (process start to exit), its domain classifier and
    reference statistics, and its evaluation."""
    folder = tmp_path_factory.mktemp("reference")
    out = folder / "run"
    procs.run(["--version"], folder / "warm.log")  # start the fork server: not part of the wall
    t0 = time.monotonic()
    code, log = procs.run(train_argv(tiny, prepared["photos"], out), folder / "train.log")
    wall = time.monotonic() - t0
    assert code == 0, log
    refs = {"classifier": folder / "photos.pt", "stats": folder / "photos_stats.npz"}
    data, params = str(prepared["photos"]), ["--params", str(tiny)]
    code, log = procs.run(
        ["classifier", "train", "--data", data, "--out", str(refs["classifier"]), *params],
        folder / "classifier.log",
    )
    assert code == 0, log
    code, log = procs.run(
        ["stats", "--data", data, "--classifier", str(refs["classifier"]), *params]
        + ["--out", str(refs["stats"]), "--device", "cpu"],
        folder / "stats.log",
    )
    assert code == 0, log
    metrics = []
    for k in range(2):  # twice: the same bytes, and the second, warm, one is timed
        t0 = time.monotonic()
        path = folder / f"metrics{k}.json"
        code, log = procs.run(evaluate_argv(tiny, out, refs, path), folder / "evaluate.log")
        eval_wall = time.monotonic() - t0
        assert code == 0, log
        metrics.append(path.read_bytes())
    assert metrics[0] == metrics[1]
    code, log = procs.run(  # the sample arrays the run's grid figure draws
        ["visuals", RUN, "--part", "samples", "--checkpoint", str(out / "checkpoint.pt")]
        + ["--out", str(out / "samples.npz"), *params, "--device", "cpu"],
        folder / "visuals.log",
    )
    assert code == 0, log
    return {
        "run": out,
        "outputs": run_outputs(out),
        "wall": wall,
        "refs": refs,
        "metrics": metrics[0],
        "eval_wall": eval_wall,
    }


@pytest.fixture(scope="session")
def stopped(tiny, prepared, tmp_path_factory) -> Path:
    """A run folder stopped by SIGTERM past its second periodic checkpoint (step 8), with a
    ``resume.pt`` newer than it (saved after every step, so a late signal still leaves one)."""
    out = tmp_path_factory.mktemp("stopped") / "run"
    argv = train_argv(tiny, prepared["photos"], out, save_every=0)
    child = procs.Child(argv, out.parent / "train.log")
    child.wait_until(lambda: len(logged_steps(out, live=True)) >= 9)
    child.proc.terminate()
    assert child.finish() == 143, child.output
    assert checkpoint.load(out / "state/resume.pt")["step"] > 8
    return out

"""SIGKILL at random points of training and of evaluation, then a rerun: the rerun ends with
the same bytes as an uninterrupted run, and nothing half-written is left behind."""

from __future__ import annotations

import random
import signal

import pytest

from . import procs
from .helpers import (
    ITERATIONS,
    bytes_lost,
    evaluate_argv,
    leftovers,
    logged_steps,
    record,
    train_argv,
)

pytestmark = pytest.mark.slow  # real processes end to end: about a minute

TRAIN_KILLS = 20
EVAL_KILLS = 5


@pytest.mark.parametrize("seed", range(TRAIN_KILLS))
def test_sigkill_during_training_then_a_rerun_ends_byte_identical(
    seed, reference, tiny, prepared, tmp_path
):
    rng = random.Random(seed)
    at = rng.uniform(0.05, 0.95) * reference["wall"]
    # even seeds also save resume.pt after every step: a kill often lands inside a write
    argv = train_argv(tiny, prepared["photos"], tmp_path / "run", save_every=seed % 2 * 600)
    child = procs.Child(argv, tmp_path / "killed.log")
    killed = child.kill_after(at) and child.finish() == -signal.SIGKILL  # not done before it
    assert child.finish() in (0, -signal.SIGKILL), child.output
    code, log = procs.run(argv, tmp_path / "rerun.log")
    lost = bytes_lost(tmp_path / "run", reference["outputs"])
    survived = (
        code == 0 and lost == 0 and logged_steps(tmp_path / "run") == list(range(1, ITERATIONS + 1))
    )
    if killed:
        record(survived, lost)
    assert code == 0, log
    assert lost == 0, f"killed at {at:.2f} s: {lost} bytes differ"
    assert logged_steps(tmp_path / "run") == list(range(1, ITERATIONS + 1))
    assert leftovers(tmp_path / "run") == []
    assert not (tmp_path / "run" / "state/resume.pt").exists()


@pytest.mark.parametrize("seed", range(EVAL_KILLS))
def test_sigkill_during_evaluation_then_a_rerun_ends_byte_identical(
    seed, reference, tiny, tmp_path
):
    at = random.Random(1000 + seed).uniform(0.05, 0.95) * reference["eval_wall"]
    out = tmp_path / "metrics.json"
    argv = evaluate_argv(tiny, reference["run"], reference["refs"], out)
    child = procs.Child(argv, tmp_path / "killed.log")
    killed = child.kill_after(at) and child.finish() == -signal.SIGKILL
    assert child.finish() in (0, -signal.SIGKILL), child.output
    assert not out.exists() or out.read_bytes() == reference["metrics"]  # all or nothing
    code, log = procs.run(argv, tmp_path / "rerun.log")
    lost = bytes_lost(tmp_path, {"metrics.json": reference["metrics"]})
    if killed:
        record(code == 0 and lost == 0, lost)
    assert code == 0, log
    assert lost == 0
    assert leftovers(tmp_path) == []

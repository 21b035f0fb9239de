"""Compute accounting: train.json lists every process that trained the run (its attempts), and
the history survives the interruptions it describes (SIGTERM, a crash, a SIGKILL)."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from ganrepro.train import attempts as attempts_mod
from ganrepro.train import checkpoint
from ganrepro.train.run import SIGTERM_EXIT, train

from .helpers import at_step, crash_after, poison_critic, short, sigterm_after


def _train(run, prepared, out, **kw):
    return train(run, prepared[run.data], out, seed=0, device="cpu", threads=1, **kw)


def _history(out) -> list[dict]:
    return json.loads((out / "state" / attempts_mod.FILE).read_text())["attempts"]


def _check_compute(summary):
    """compute is the sum over the attempts, and every attempt is closed and well formed."""
    attempts = summary["attempts"]
    for a in attempts:
        assert a["outcome"] in attempts_mod.OUTCOMES
        assert isinstance(a["device_name"], str) and a["device_name"].strip()
        assert a["device"] == "cpu"
        assert a["wall_time_s"] >= 0 and a["from_step"] <= a["to_step"]
        started = datetime.fromisoformat(a["started"])
        assert started.utcoffset() == timedelta(0)  # UTC
    wall = sum(a["wall_time_s"] for a in attempts)
    assert summary["compute"]["attempts"] == len(attempts)
    assert summary["compute"]["wall_time_s"] == pytest.approx(wall, abs=1e-6)
    assert summary["compute"]["device_hours"] == pytest.approx(wall / 3600, abs=1e-6)
    assert summary["compute"]["devices"] == sorted({a["device_name"] for a in attempts})
    assert [a["started"] for a in attempts] == sorted(a["started"] for a in attempts)


def test_sigterm_then_resume_counts_two_attempts(quick_params, prepared, tmp_path):
    run = short(quick_params.run("ding/wgan"), 6)
    with pytest.raises(SystemExit) as exc:
        _train(run, prepared, tmp_path, trainer_hook=sigterm_after(3))
    assert exc.value.code == SIGTERM_EXIT
    (stopped,) = _history(tmp_path)  # recorded by the stopped process itself
    assert stopped["outcome"] == "interrupted" and stopped["to_step"] == 3
    assert stopped["wall_time_s"] > 0

    summary = _train(run, prepared, tmp_path)
    first, second = summary["attempts"]
    assert first == stopped
    assert (first["from_step"], first["to_step"], first["outcome"]) == (0, 3, "interrupted")
    assert second["from_step"] == first["to_step"]
    assert (second["to_step"], second["outcome"]) == (6, "completed")
    assert summary["compute"]["attempts"] == 2
    assert summary["compute"]["wall_time_s"] == pytest.approx(
        first["wall_time_s"] + second["wall_time_s"], abs=1e-6
    )
    assert summary["compute"]["wall_time_s"] > summary["wall_time_s"]  # this process's alone
    _check_compute(summary)
    assert json.loads((tmp_path / "train.json").read_text()) == summary
    for path in [tmp_path / "checkpoint.pt", *(tmp_path / "state/ckpt").glob("*.pt")]:
        assert not {"attempts", "compute", "started"} & checkpoint.load(path).keys()


def test_a_crash_is_recorded_as_failed_and_resumed_from_its_state(quick_params, prepared, tmp_path):
    run = short(quick_params.run("ding/wgan"), 6, checkpoints=3)  # periodic at 2, 4, 6
    with pytest.raises(KeyboardInterrupt):
        _train(run, prepared, tmp_path, trainer_hook=crash_after(5))
    (crashed,) = _history(tmp_path)
    assert (crashed["outcome"], crashed["to_step"]) == ("failed", 4)  # the state it left
    summary = _train(run, prepared, tmp_path)
    assert [(a["from_step"], a["to_step"], a["outcome"]) for a in summary["attempts"]] == [
        (0, 4, "failed"),
        (4, 6, "completed"),
    ]
    _check_compute(summary)


# a process that SIGKILLs itself after step 5 of 6 (periodic states at 2, 4, 6)
KILLED = """
import os, signal, sys
from pathlib import Path
from ganrepro.config import load_params
from ganrepro.train.run import train
from tests.train.helpers import at_step, short

params = load_params(Path("params.yaml"), scale="quick")
run = short(params.run("ding/wgan"), 6, checkpoints=3)
hook = at_step(5, lambda _: os.kill(os.getpid(), signal.SIGKILL))
train(run, sys.argv[1], sys.argv[2], seed=0, device="cpu", threads=1, trainer_hook=hook)
"""


def test_a_sigkilled_attempt_is_closed_as_failed_on_the_next_start(
    root, quick_params, prepared, tmp_path
):
    out = tmp_path / "run"
    res = subprocess.run(
        [sys.executable, "-c", KILLED, str(prepared["digits"]), str(out)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert res.returncode == -signal.SIGKILL, res.stderr
    (killed,) = _history(out)
    assert killed["outcome"] is None  # open: the process could not record its end
    assert killed["to_step"] == 4  # its last state write
    summary = _train(short(quick_params.run("ding/wgan"), 6, checkpoints=3), prepared, out)
    first, second = summary["attempts"]
    assert (first["outcome"], first["from_step"], first["to_step"]) == ("failed", 0, 4)
    assert first["wall_time_s"] == killed["wall_time_s"]  # up to its last state write
    assert first["started"] == killed["started"]
    assert (second["outcome"], second["from_step"], second["to_step"]) == ("completed", 4, 6)
    assert summary["compute"]["attempts"] == 2
    _check_compute(summary)


def test_an_open_attempt_is_closed_at_the_step_of_the_state_it_left(
    quick_params, prepared, tmp_path
):
    """The history may lag the state by one write (a kill between the two): the step of the
    state found wins."""
    run = short(quick_params.run("ding/wgan"), 6, checkpoints=3)
    with pytest.raises(KeyboardInterrupt):
        _train(run, prepared, tmp_path, trainer_hook=crash_after(5))
    path = tmp_path / "state" / attempts_mod.FILE
    saved = json.loads(path.read_text())
    saved["attempts"][0].update(outcome=None, to_step=2, wall_time_s=1.25)
    path.write_text(json.dumps(saved))
    summary = _train(run, prepared, tmp_path)
    first, second = summary["attempts"]
    assert (first["outcome"], first["to_step"], first["wall_time_s"]) == ("failed", 4, 1.25)
    assert second["from_step"] == 4
    _check_compute(summary)


def test_a_rerun_with_nothing_to_train_adds_no_attempt(quick_params, prepared, tmp_path):
    run = short(quick_params.run("ding/wgan"), 4)
    done = _train(run, prepared, tmp_path)
    assert [a["outcome"] for a in done["attempts"]] == ["completed"]
    again = _train(run, prepared, tmp_path)  # a forced rerun: resumes at the end
    assert again["attempts"] == done["attempts"] and again["compute"] == done["compute"]
    assert json.loads((tmp_path / "train.json").read_text())["compute"]["attempts"] == 1


def test_starting_over_starts_a_new_history(quick_params, prepared, tmp_path):
    run = short(quick_params.run("ding/wgan"), 4)
    with pytest.raises(SystemExit):
        _train(run, prepared, tmp_path, trainer_hook=sigterm_after(2))
    assert len(_history(tmp_path)) == 1
    changed = dataclasses.replace(run, optim=dataclasses.replace(run.optim, lr=1e-3))
    summary = _train(changed, prepared, tmp_path, restart_if_changed=True)
    assert [(a["from_step"], a["to_step"], a["outcome"]) for a in summary["attempts"]] == [
        (0, 4, "completed")
    ]
    _check_compute(summary)


def test_a_diverged_attempt(quick_params, prepared, tmp_path):
    run = short(quick_params.run("ding/wgan"), 6, checkpoints=3)
    summary = _train(run, prepared, tmp_path, trainer_hook=at_step(3, poison_critic, True))
    assert summary["status"] == "diverged"
    (attempt,) = summary["attempts"]
    assert (attempt["outcome"], attempt["from_step"], attempt["to_step"]) == ("diverged", 0, 4)
    _check_compute(summary)


def test_device_name_is_never_empty():
    import torch

    assert attempts_mod.device_name(torch.device("cpu")).strip()
    assert attempts_mod.device_label(torch.device("cpu")) == "cpu"

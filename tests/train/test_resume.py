"""Checkpoints: same seed -> same bytes; any interruption resumes to the same bytes; atomic
writes survive a kill; divergence ends the run cleanly; a changed config is refused."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time

import pytest
import torch
import yaml

from ganrepro.config.types import CFGConfig
from ganrepro.train import checkpoint
from ganrepro.train.run import SIGTERM_EXIT, train

from .helpers import at_step, crash_after, poison_critic, short, sigterm_after

# one run per trainer/architecture family: MLP + dropout + clipping, DCGAN + BN + GP,
# ResNet + CBN + AC + lr decay, CFG-GAN
FAMILIES = ["ding/wgan", "frank/wgan_gp", "acwgan/cifar10", "zhu/cfg_dcgan_mnist"]
STEPS = {"ding/wgan": 6, "frank/wgan_gp": 5, "acwgan/cifar10": 4, "zhu/cfg_dcgan_mnist": 3}


def _train(run, prepared, out, **kw):
    return train(run, prepared[run.data], out, seed=0, device="cpu", threads=1, **kw)


@pytest.fixture(scope="module")
def reference(quick_params, prepared, tmp_path_factory):
    """Uninterrupted runs: {run_id: checkpoint bytes}."""
    out = {}
    for run_id in FAMILIES:
        run = short(quick_params.run(run_id), STEPS[run_id])
        folder = tmp_path_factory.mktemp(run_id.replace("/", "_"))
        summary = _train(run, prepared, folder)
        assert summary["status"] == "completed" and summary["steps_done"] == STEPS[run_id]
        out[run_id] = (folder / "checkpoint.pt").read_bytes()
    return out


@pytest.mark.parametrize("run_id", FAMILIES)
def test_same_seed_same_bytes(quick_params, prepared, reference, tmp_path, run_id):
    run = short(quick_params.run(run_id), STEPS[run_id])
    _train(run, prepared, tmp_path)
    assert (tmp_path / "checkpoint.pt").read_bytes() == reference[run_id]
    other = train(run, prepared[run.data], tmp_path / "seed1", seed=1, device="cpu", threads=1)
    assert other["status"] == "completed"
    assert (tmp_path / "seed1" / "checkpoint.pt").read_bytes() != reference[run_id]


@pytest.mark.parametrize("run_id", FAMILIES)
def test_sigterm_at_any_step_resumes_to_the_same_bytes(
    quick_params, prepared, reference, tmp_path, run_id
):
    run = short(quick_params.run(run_id), STEPS[run_id])
    for k in range(1, STEPS[run_id]):
        out = tmp_path / f"k{k}"
        with pytest.raises(SystemExit) as exc:
            _train(run, prepared, out, trainer_hook=sigterm_after(k))
        assert exc.value.code == SIGTERM_EXIT
        assert not (out / "checkpoint.pt").exists()  # no final output from a stopped run
        assert checkpoint.load(checkpoint.latest_resumable(out / "state"))["step"] == k
        summary = _train(run, prepared, out)
        assert summary["status"] == "completed"
        assert (out / "checkpoint.pt").read_bytes() == reference[run_id], f"stopped at {k}"
        assert not (out / "state/resume.pt").exists()
        steps = [int(line.split(",")[0]) for line in (out / "log.csv").read_text().split()[1:]]
        assert steps == list(range(1, STEPS[run_id] + 1))  # no duplicated or missing rows


def test_a_crash_resumes_from_the_last_periodic_checkpoint(
    quick_params, prepared, reference, tmp_path
):
    run = short(quick_params.run("ding/wgan"), STEPS["ding/wgan"], checkpoints=3)  # 2, 4, 6
    with pytest.raises(KeyboardInterrupt):
        _train(run, prepared, tmp_path, trainer_hook=crash_after(5))
    assert [s for s, _ in checkpoint.periodic_checkpoints(tmp_path / "state")] == [0, 2, 4]
    _train(run, prepared, tmp_path)
    # the periodic marks differ from the reference run's, but the final state may not
    ref = short(quick_params.run("ding/wgan"), STEPS["ding/wgan"], checkpoints=3)
    _train(ref, prepared, tmp_path / "ref")
    assert (tmp_path / "checkpoint.pt").read_bytes() == (
        tmp_path / "ref/checkpoint.pt"
    ).read_bytes()


def test_resume_refuses_a_different_config(quick_params, prepared, tmp_path):
    run = short(quick_params.run("ding/wgan"), 4)
    with pytest.raises(KeyboardInterrupt):
        _train(run, prepared, tmp_path, trainer_hook=crash_after(1))
    changed = dataclasses.replace(run, optim=dataclasses.replace(run.optim, lr=1e-3))
    with pytest.raises(checkpoint.CheckpointMismatch, match="different configuration"):
        _train(changed, prepared, tmp_path)


def test_restart_if_changed_discards_another_configs_state(quick_params, prepared, tmp_path):
    """The workflow's setting: after a parameter change the run starts over, never mixing."""
    run = short(quick_params.run("ding/wgan"), 4)
    with pytest.raises(KeyboardInterrupt):
        _train(run, prepared, tmp_path / "a", trainer_hook=crash_after(3))
    changed = dataclasses.replace(run, optim=dataclasses.replace(run.optim, lr=1e-3))
    summary = _train(changed, prepared, tmp_path / "a", restart_if_changed=True)
    assert summary["status"] == "completed"
    _train(changed, prepared, tmp_path / "fresh")
    assert (tmp_path / "a/checkpoint.pt").read_bytes() == (
        tmp_path / "fresh/checkpoint.pt"
    ).read_bytes()
    steps = [int(line.split(",")[0]) for line in (tmp_path / "a/log.csv").read_text().split()[1:]]
    assert steps == [1, 2, 3, 4]


def test_kill_during_a_checkpoint_write_leaves_the_previous_one_loadable(tmp_path):
    path = tmp_path / "checkpoint.pt"
    checkpoint.save(path, {"step": 1, "weights": torch.arange(10.0)})
    script = f"""
import os, signal
from ganrepro.train import checkpoint
import ganrepro.train.checkpoint as ck
from ganrepro.io import atomic_open

def dying_write(p, write):
    with atomic_open(p) as fh:
        class Half:
            def write(self, data):
                fh.write(bytes(data)[: len(data) // 2]); fh.flush()
                os.kill(os.getpid(), signal.SIGKILL)
        write(Half())

ck.atomic_write = dying_write
checkpoint.save({str(path)!r}, {{"step": 2, "weights": __import__("torch").zeros(10)}})
"""
    res = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert res.returncode == -signal.SIGKILL
    state = checkpoint.load(path)
    assert state["step"] == 1 and torch.equal(state["weights"], torch.arange(10.0))


def _inject_nan_after(k: int):
    return at_step(k, poison_critic, before=True)


@pytest.mark.parametrize("run_id", ["ding/wgan", "frank/wgan_gp"])
def test_nan_ends_the_run_as_diverged_with_the_last_good_checkpoint(
    quick_params, prepared, tmp_path, run_id
):
    run = short(quick_params.run(run_id), 6, checkpoints=3)  # periodic at 2, 4, 6
    summary = _train(run, prepared, tmp_path, trainer_hook=_inject_nan_after(3))
    assert summary["status"] == "diverged" and summary["diverged_at_step"] == 4
    assert "non-finite" in summary["reason"]
    assert json.loads((tmp_path / "train.json").read_text())["status"] == "diverged"
    good = checkpoint.periodic_path(tmp_path, 2).read_bytes()
    assert (tmp_path / "checkpoint.pt").read_bytes() == good
    assert (tmp_path / "samples.png").stat().st_size > 0


def test_cfg_guard_ends_the_run_as_diverged(quick_params, prepared, tmp_path):
    run = short(quick_params.run("zhu/cfg_dcgan_mnist"), 3)
    run = dataclasses.replace(run, cfg=dataclasses.replace(run.cfg, guard=1e-9))
    assert isinstance(run.cfg, CFGConfig)
    summary = _train(run, prepared, tmp_path)
    assert summary["status"] == "diverged" and summary["diverged_at_step"] == 1
    assert "exceeds the guard" in summary["reason"]
    assert checkpoint.load(tmp_path / "checkpoint.pt")["step"] == 0


def test_cli_sigterm_then_resume_matches_an_uninterrupted_run(root, raw_params, prepared, tmp_path):
    """The real thing: a `ganrepro train` process stopped by SIGTERM, as SLURM does."""
    raw = json.loads(json.dumps(raw_params))
    raw["sources"]["frank"]["wgan_gp"]["schedule"] = {
        "batch_size": 16,
        "n_critic": 5,
        "iterations": 40,
        "reuse_real": False,
    }
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump(raw))
    cmd = [
        sys.executable,
        "-m",
        "ganrepro.cli",
        "train",
        "frank/wgan_gp",
        "--data",
        str(prepared["photos"]),
        "--params",
        str(params),
        "--threads",
        "1",
        "--out",
    ]
    ref = subprocess.run(cmd + [str(tmp_path / "ref")], capture_output=True, text=True)
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "stopped"
    proc = subprocess.Popen(cmd + [str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait for a few logged steps, then stop it
        log = out / "state/log.csv"  # the live log
        if log.exists() and len(log.read_text().splitlines()) > 5:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == SIGTERM_EXIT
    # resume.pt, or the periodic checkpoint when the stop came at one
    stopped_at = checkpoint.newest_state(out / "state")[1]["step"]
    assert 0 < stopped_at < 40
    again = subprocess.run(cmd + [str(out)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert (out / "checkpoint.pt").read_bytes() == (tmp_path / "ref/checkpoint.pt").read_bytes()
    attempts = json.loads((out / "train.json").read_text())["attempts"]  # the compute of both
    assert [(a["from_step"], a["to_step"], a["outcome"]) for a in attempts] == [
        (0, stopped_at, "interrupted"),
        (stopped_at, 40, "completed"),
    ]


def test_state_trained_on_other_data_is_never_resumed(quick_params, prepared, tmp_path):
    """A rerun after the dataset changed (e.g. another test split) starts over, since the
    state records the fingerprint of the images and labels it was trained on."""
    from ganrepro.data.store import prepare

    run = short(quick_params.run("ding/wgan"), 4)
    out = tmp_path / "run"
    _train(run, prepared, out)
    first = (out / "checkpoint.pt").read_bytes()
    assert _train(run, prepared, out)["wall_time_s"] < 5  # same data: nothing left to do
    assert (out / "checkpoint.pt").read_bytes() == first
    other = dataclasses.replace(quick_params.datasets, digits_test_fraction=0.35)
    moved = prepare("digits", tmp_path / "digits.npz", other)
    with pytest.raises(checkpoint.CheckpointMismatch, match="trained on other data"):
        train(run, moved, out, seed=0, device="cpu", threads=1)
    summary = train(run, moved, out, seed=0, device="cpu", threads=1, restart_if_changed=True)
    assert summary["steps_done"] == 4 and (out / "checkpoint.pt").read_bytes() != first
    steps = [int(line.split(",")[0]) for line in (out / "log.csv").read_text().split()[1:]]
    assert steps == [1, 2, 3, 4]  # trained again from the start


def test_the_published_folders_are_links_to_the_state(quick_params, prepared, tmp_path):
    """ckpt/, grids/ and tb/ are published at the end; the state keeps the same files, so
    deleting the published folders (as Snakemake does before a rerun) loses nothing."""
    import shutil

    run = short(quick_params.run("ding/wgan"), 4, checkpoints=2)
    out = tmp_path / "run"
    _train(run, prepared, out)
    for name in ("ckpt", "grids", "tb"):
        published = sorted(p.relative_to(out / name) for p in (out / name).rglob("*"))
        kept = sorted(
            p.relative_to(out / "state" / name) for p in (out / "state" / name).rglob("*")
        )
        assert published == kept and published, name
    step = out / "ckpt" / "step_00000004.pt"
    assert step.stat().st_ino == (out / "state/ckpt/step_00000004.pt").stat().st_ino
    before = (out / "checkpoint.pt").read_bytes()
    for name in ("ckpt", "grids", "tb", "checkpoint.pt"):
        p = out / name
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    assert _train(run, prepared, out)["wall_time_s"] < 5  # resumed from the complete state
    assert (out / "checkpoint.pt").read_bytes() == before and step.is_file()


def test_tensorboard_holds_every_logged_scalar_at_its_step(quick_params, prepared, tmp_path):
    """TensorBoard's own reader finds each log.csv column as a tag with one value per step
    (one event per step carries them all)."""
    import csv

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = short(quick_params.run("ding/wgan"), 5, checkpoints=1)
    out = tmp_path / "run"
    _train(run, prepared, out)
    with open(out / "log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    tb = EventAccumulator(str(out / "tb"), size_guidance={"scalars": 0})
    tb.Reload()
    tags = set(tb.Tags()["scalars"])
    assert {"loss_d", "loss_g"} <= tags
    for tag in tags:
        events = tb.Scalars(tag)
        assert [e.step for e in events] == [int(r["step"]) for r in rows], tag
        for e, r in zip(events, rows, strict=True):
            assert e.value == pytest.approx(float(r[tag]), rel=1e-5, abs=1e-6), (tag, e.step)

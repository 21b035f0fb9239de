"""SIGKILL at random points of training and of evaluation, then a rerun: the rerun ends with
the same bytes as an uninterrupted run, and nothing half-written is left behind."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from . import procs
from .conftest import ITERATIONS, RUN, bytes_lost, record

TRAIN_KILLS = 20
EVAL_KILLS = 5


def train_argv(params: Path, data: Path, out: Path, save_every: float = 600) -> list[str]:
    return [
        "train", RUN, "--params", str(params), "--data", str(data), "--out", str(out),
        "--device", "cpu", "--threads", "1", "--save-every", str(save_every),
    ]  # fmt: skip


def evaluate_argv(params: Path, run_dir: Path, refs: dict[str, Path], out: Path) -> list[str]:
    return [
        "evaluate", RUN, "--params", str(params), "--run-dir", str(run_dir), "--out", str(out),
        "--stats", str(refs["stats"]), "--classifier", str(refs["classifier"]),
        "--device", "cpu", "--threads", "1",
    ]  # fmt: skip


def run_outputs(folder: Path) -> dict[str, bytes]:
    """What an interruption may not change: the final and periodic checkpoints and the grids
    (``log.csv``, ``train.json`` and ``tb/`` hold wall-clock times)."""
    files = [folder / "checkpoint.pt", folder / "samples.png"]
    files += sorted((folder / "ckpt").glob("step_*.pt")) + sorted((folder / "grids").glob("*.png"))
    return {str(f.relative_to(folder)): f.read_bytes() for f in files}


def logged_steps(folder: Path) -> list[int]:
    return [int(line.split(",")[0]) for line in (folder / "log.csv").read_text().split()[1:]]


def leftovers(folder: Path) -> list[Path]:
    return sorted(folder.rglob(".*.tmp"))


@pytest.fixture(scope="module")
def reference(tiny, prepared, tmp_path_factory) -> dict:
    """An uninterrupted run, its wall time (process start to exit), and its evaluation."""
    folder = tmp_path_factory.mktemp("reference")
    out = folder / "run"
    procs.run(["--version"], folder / "warm.log")  # start the fork server: not part of the wall
    t0 = time.monotonic()
    code, log = procs.run(train_argv(tiny, prepared["photos"], out), folder / "train.log")
    wall = time.monotonic() - t0
    assert code == 0, log
    refs = {"classifier": folder / "photos.pt", "stats": folder / "photos_stats.npz"}
    data = str(prepared["photos"])
    for argv in (
        ["classifier", "train", "--data", data, "--out", str(refs["classifier"])],
        ["stats", "--data", data, "--classifier", str(refs["classifier"]), "--device", "cpu"],
    ):
        argv += ["--params", str(tiny)] + (["--out", str(refs["stats"])] if "stats" in argv else [])
        code, log = procs.run(argv, folder / f"{argv[0]}.log")
        assert code == 0, log
    metrics = folder / "metrics.json"
    t0 = time.monotonic()
    code, log = procs.run(evaluate_argv(tiny, out, refs, metrics), folder / "evaluate.log")
    assert code == 0, log
    return {
        "run": out,
        "outputs": run_outputs(out),
        "wall": wall,
        "refs": refs,
        "metrics": metrics.read_bytes(),
        "eval_wall": time.monotonic() - t0,
    }


@pytest.mark.parametrize("seed", range(TRAIN_KILLS))
def test_sigkill_during_training_then_a_rerun_ends_byte_identical(
    seed, reference, tiny, prepared, tmp_path
):
    rng = random.Random(seed)
    at = rng.uniform(0.05, 0.95) * reference["wall"]
    # even seeds also save resume.pt after every step: a kill often lands inside a write
    argv = train_argv(tiny, prepared["photos"], tmp_path / "run", save_every=seed % 2 * 600)
    child = procs.Child(argv, tmp_path / "killed.log")
    killed = child.kill_after(at)
    code = child.finish()
    assert code == (-9 if killed else 0), child.output
    code, log = procs.run(argv, tmp_path / "rerun.log")
    lost = bytes_lost(tmp_path / "run", reference["outputs"])
    survived = code == 0 and lost == 0 and logged_steps(tmp_path / "run") == list(
        range(1, ITERATIONS + 1)
    )
    if killed:
        record(survived, lost)
    assert code == 0, log
    assert lost == 0, f"killed at {at:.2f} s: {lost} bytes differ"
    assert logged_steps(tmp_path / "run") == list(range(1, ITERATIONS + 1))
    assert leftovers(tmp_path / "run") == []
    assert not (tmp_path / "run" / "resume.pt").exists()


@pytest.mark.parametrize("seed", range(EVAL_KILLS))
def test_sigkill_during_evaluation_then_a_rerun_ends_byte_identical(
    seed, reference, tiny, tmp_path
):
    at = random.Random(1000 + seed).uniform(0.05, 0.95) * reference["eval_wall"]
    out = tmp_path / "metrics.json"
    argv = evaluate_argv(tiny, reference["run"], reference["refs"], out)
    child = procs.Child(argv, tmp_path / "killed.log")
    killed = child.kill_after(at)
    code = child.finish()
    assert code == (-9 if killed else 0), child.output
    assert not out.exists() or out.read_bytes() == reference["metrics"]  # all or nothing
    code, log = procs.run(argv, tmp_path / "rerun.log")
    lost = bytes_lost(tmp_path, {"metrics.json": reference["metrics"]})
    if killed:
        record(code == 0 and lost == 0, lost)
    assert code == 0, log
    assert lost == 0
    assert leftovers(tmp_path) == []

"""Damaged, foreign and untrusted files: every command that reads one fails with one line naming
the file and what to do; a damaged ``resume.pt`` falls back to the newest periodic checkpoint;
a checkpoint whose unpickling would run code is refused and nothing of it runs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch
import yaml

from ganrepro import layout
from ganrepro.config import load_params
from ganrepro.evaluate.extractors import make_extractor
from ganrepro.evaluate.stats import StatsMismatch, load_stats
from ganrepro.outputs import catalog
from ganrepro.train import checkpoint

from . import procs
from .helpers import ITERATIONS, RUN, bytes_lost, evaluate_argv, logged_steps, record, train_argv

DAMAGE = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "garbage": lambda data: b"garbage",
}


def damage(path: Path, how: str) -> None:
    path.write_bytes(DAMAGE[how](path.read_bytes()))


def one_line_error(output: str, path: Path, code: int) -> bool:
    """Exit 2 with no traceback, and a last line naming ``path`` and what to do."""
    last = output.strip().splitlines()[-1]
    return code == 2 and "Traceback" not in output and str(path) in last and "rerun" in last


@pytest.fixture
def copies(reference, tmp_path) -> dict[str, Path]:
    """Writable copies of the reference run folder and of its classifier and statistics."""
    run = shutil.copytree(reference["run"], tmp_path / "run")
    out = {"run": run}
    for name, path in reference["refs"].items():
        out[name] = Path(shutil.copy(path, tmp_path / path.name))
    return out


def _evaluate(tiny, copies, tmp_path):
    return evaluate_argv(tiny, copies["run"], copies, tmp_path / "metrics.json")


# what `ganrepro evaluate` reads, in the copies
TARGETS = {
    "checkpoint": lambda c: c["run"] / "checkpoint.pt",
    "periodic checkpoint": lambda c: checkpoint.periodic_path(c["run"], 4),
    "statistics": lambda c: c["stats"],
    "classifier": lambda c: c["classifier"],
}


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("target", TARGETS)
def test_evaluate_names_a_damaged_file(target, how, copies, tiny, tmp_path):
    path = TARGETS[target](copies)
    damage(path, how)
    code, output = procs.run(_evaluate(tiny, copies, tmp_path), tmp_path / "evaluate.log")
    ok = one_line_error(output, path, code)
    record(ok)
    assert ok, output
    assert not (tmp_path / "metrics.json").exists()


@pytest.mark.parametrize("how", DAMAGE)
def test_training_names_a_damaged_dataset(how, prepared, tiny, tmp_path):
    data = Path(shutil.copy(prepared["photos"], tmp_path / "photos.npz"))
    damage(data, how)
    code, output = procs.run(train_argv(tiny, data, tmp_path / "run"), tmp_path / "train.log")
    ok = one_line_error(output, data, code)
    record(ok)
    assert ok, output


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_resume_falls_back_to_the_newest_periodic_checkpoint(
    how, stopped, reference, tiny, prepared, tmp_path
):
    out = shutil.copytree(stopped, tmp_path / "run")
    damage(out / "state/resume.pt", how)
    step, newest = checkpoint.periodic_checkpoints(out / "state")[-1]
    code, output = procs.run(train_argv(tiny, prepared["photos"], out), tmp_path / "train.log")
    lost = bytes_lost(out, reference["outputs"])
    record(code == 0 and lost == 0, lost)
    assert code == 0, output
    assert f"{out / 'state/resume.pt'}: not a readable checkpoint" in output
    assert f"resuming from {newest} (step {step})" in output
    assert lost == 0
    assert logged_steps(out) == list(range(1, ITERATIONS + 1))


class Payload:
    """Unpickling this runs ``os.mkdir(path)``: a stand-in for any code a file could carry."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def test_a_checkpoint_that_would_run_code_is_refused_and_nothing_runs(reference, tiny, tmp_path):
    marker = tmp_path / "code-ran"
    state = checkpoint.load(reference["run"] / "checkpoint.pt")
    state["trainer"]["extra"] = Payload(marker)
    evil = tmp_path / "checkpoint.pt"
    torch.save(state, evil)
    png = tmp_path / "grid.png"
    argv = ["samples", RUN, "--kind", "grid", "--checkpoint", str(evil), "--out", str(png)]
    code, output = procs.run([*argv, "--params", str(tiny)], tmp_path / "samples.log")
    refused = one_line_error(output, evil, code) and "posix.mkdir" in output
    record(refused and not marker.exists())
    assert refused, output
    assert not marker.exists() and not png.exists()
    # the file does carry code: an unsafe load runs it
    torch.load(evil, weights_only=False)
    assert marker.is_dir()


OTHER_RUN = "frank/wgan"  # a run of the same data whose figure is a grid of its samples.npz
FIGURES = {RUN: "frank/fig6_samples_wgan_gp", OTHER_RUN: "frank/fig4_samples_wgan"}


@pytest.mark.parametrize("command", ["samples", "figure", "evaluate"])
@pytest.mark.parametrize("mismatch", ["run", "config"])
def test_another_runs_or_configs_checkpoint_is_refused_by_name(
    command, mismatch, reference, tiny_raw, tmp_path
):
    """RUN's checkpoint read as OTHER_RUN's, or under a changed learning rate."""
    raw = json.loads(json.dumps(tiny_raw))
    if mismatch == "config":
        source, name = RUN.split("/")
        raw["sources"][source][name]["optim"]["lr"] = 3.3e-3  # differs from every scale's value
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump(raw))
    run_id = OTHER_RUN if mismatch == "run" else RUN
    folder = tmp_path / layout.Tree("quick").run_dir(
        run_id
    )  # RUN's folder where run_id's should be
    folder.parent.mkdir(parents=True)
    folder.symlink_to(reference["run"])
    ckpt, png = folder / "checkpoint.pt", str(tmp_path / "out.png")
    p = ["--params", str(params)]
    source, name = FIGURES[run_id].split("/")
    inputs = catalog.reads(catalog.get("figure", source, name), source, load_params(params))
    argv = {
        "samples": ["samples", run_id, "--kind", "grid", "--checkpoint", str(ckpt), "--out", png]
        + p,
        "figure": ["figure", FIGURES[run_id], "--inputs", *inputs, "--out", png] + p,
        "evaluate": evaluate_argv(params, folder, reference["refs"], tmp_path / "m.json", run_id),
    }[command]
    kw = {"func": procs.cli_in, "args": (str(tmp_path), argv)} if command == "figure" else {}
    code, output = procs.run(argv, tmp_path / f"{command}.log", **kw)
    what = "holds samples" if command == "figure" else "is a checkpoint"  # figures: samples.npz
    message = (
        f"{what} of {RUN}, not of {OTHER_RUN}"
        if mismatch == "run"
        else "was written by a different configuration"
    )
    refused = code == 2 and message in output.splitlines()[-1] and "Traceback" not in output
    record(refused)
    assert refused, output


def test_statistics_of_another_dataset_are_refused_by_name(reference):
    ex = make_extractor("classifier", classifier_path=reference["refs"]["classifier"])
    assert load_stats(reference["refs"]["stats"], ex, "train", "photos")["n"] > 0
    with pytest.raises(StatsMismatch, match="holds statistics of 'photos', not 'digits'"):
        load_stats(reference["refs"]["stats"], ex, "train", "digits")

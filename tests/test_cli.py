"""The `ganrepro` command as a user meets it in the first hour: every command takes --params,
a closed pipe is quiet, an unknown name suggests the close ones, and a command for one's own
work names the missing file and how to make it. (On a trained tree: tests/workflow/
test_own_work.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from ganrepro.cli import main

GANREPRO = [sys.executable, "-m", "ganrepro.cli"]


def test_validate_takes_params_like_every_other_command(root, capsys):
    path = str(root / "params.yaml")
    assert main(["validate", "--params", path]) == 0
    by_flag = capsys.readouterr().out
    assert main(["validate", path]) == 0
    assert capsys.readouterr().out == by_flag and by_flag.startswith(f"{path}: ok (")
    assert main(["validate", path, "--params", "other.yaml"]) == 2
    assert "two parameters files" in capsys.readouterr().err
    assert main(["validate", "other.yaml", "--params", "params.yaml"]) == 2  # default or not
    assert "two parameters files" in capsys.readouterr().err


def test_a_closed_pipe_ends_the_command_quietly(root):
    """`ganrepro jobs | head -1`: the reader has gone before the command writes (the pipe
    is closed from the start, so the write fails whatever the buffering)."""
    read, write = os.pipe()
    os.close(read)
    try:
        res = subprocess.run(
            [*GANREPRO, "jobs", "--params", str(root / "params.yaml")],
            stdout=write,
            stderr=subprocess.PIPE,
            cwd=root,
            timeout=60,
        )
    finally:
        os.close(write)
    assert res.returncode == 128 + 13, res.stderr.decode()  # as if killed by SIGPIPE
    assert res.stderr == b""  # no BrokenPipeError traceback


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["show", "frank/wgan-gp"],
            "unknown run 'frank/wgan-gp'; did you mean frank/wgan_gp or frank/wgan? "
            "(frank's runs: dcgan, wgan, wgan_gp)",
        ),
        (["show", "frank/nope"], "unknown run 'frank/nope' (frank's runs: dcgan, wgan, wgan_gp)"),
        (
            ["show", "frnk/wgan_gp"],
            "unknown run 'frnk/wgan_gp'; did you mean frank/wgan_gp or frank/wgan? "
            "(`ganrepro runs` lists them)",
        ),
        (
            ["tensorboard", "frnk"],
            "unknown run or source 'frnk'; did you mean frank? (`ganrepro runs` lists them)",
        ),
    ],
)
def test_an_unknown_name_suggests_the_close_ones(root, capsys, argv, message):
    assert main([*argv, "--params", str(root / "params.yaml")]) == 2
    assert capsys.readouterr().err.strip().endswith(message)


@pytest.fixture
def empty_project(root, tmp_path, monkeypatch):
    """A project folder with params.yaml and no results: the layout's defaults are missing."""
    shutil.copy(root / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["evaluate", "ding/gan"],  # the extractors first: the domain classifier
            "no domain classifier results/quick/classifiers/digits.pt (make it: `snakemake "
            "--cores all --config scale=quick results/quick/classifiers/digits.pt`)",
        ),
        (
            ["evaluate", "ding/gan", "--classifier", "params.yaml"],  # loads: not a classifier
            "params.yaml",
        ),
        (
            ["sample", "ding/gan", "--out", "s.png"],
            "no checkpoint results/quick/runs/ding/gan/checkpoint.pt (make it: `snakemake "
            "--cores all --config scale=quick results/quick/runs/ding/gan/checkpoint.pt`)",
        ),
        (
            ["sample", "ding/gan", "--out", "s.png", "--scale", "small", "--seed-index", "2"],
            "no checkpoint results/small/runs/ding/gan/seed2/checkpoint.pt (make it: `snakemake "
            "--cores all --config scale=small results/small/runs/ding/gan/seed2/checkpoint.pt`)",
        ),
        (
            ["sample", "frank/wgan_gp", "--out", "s.png", "--rehearse"],
            "(make it: `snakemake --cores all --config rehearse=true "
            "results/rehearsal/runs/frank/wgan_gp/checkpoint.pt`)",
        ),
        (
            [
                "sample",
                "ding/gan",
                "--out",
                "s.png",
                "--checkpoint",
                "params.yaml",
                "--seed-index",
                "1",
            ],
            "give --checkpoint or --seed-index, not both",
        ),
        (
            ["sample", "ding/gan", "--out", "s.png", "--seed-index", "1"],
            "--seed-index 1: ding/gan has seeds 0..0 (quick scale)",
        ),
        (["sample", "ding/gan", "--out", "s.jpg"], "--out s.jpg: a .png (a grid) or .npz"),
        (["sample", "ding/gan", "--out", "s.png", "--n", "0"], "--n 0: at least 1 image"),
        (
            ["tensorboard", "--scale", "small"],
            "no TensorBoard events under results/small/runs/ for any run: train first "
            "(`snakemake --cores all --config scale=small`)",
        ),
    ],
)
def test_commands_for_ones_own_work_name_what_is_missing(empty_project, capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in empty_project.iterdir()) == ["params.yaml"]  # nothing written

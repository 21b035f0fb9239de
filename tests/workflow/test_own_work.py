"""Commands for one's own work on a trained tree (the quick DAG): `ganrepro evaluate RUN` and
`ganrepro sample RUN` with the layout's paths, on a checkpoint copied elsewhere too,
`ganrepro tensorboard` with one copy of each run's events, and a second scale beside the
first."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request

import numpy as np
import pytest
import yaml
from PIL import Image

from ganrepro.images import tile

from ..conftest import BIN, snakemake, tool

pytestmark = pytest.mark.slow
RUN = "results/quick/runs/ding/gan"


def test_evaluate_with_the_layouts_paths_gives_the_jobs_numbers(quick_dag, tmp_path):
    job = json.loads((quick_dag / RUN / "metrics.json").read_text())
    out = tmp_path / "m.json"
    tool("ganrepro", "evaluate", "ding/gan", "--out", str(out), cwd=quick_dag)
    ours = json.loads(out.read_text())
    assert ours["final"] == job["final"] and ours["curve"] == job["curve"]
    # a lone checkpoint copied from elsewhere: scored on its own, its metrics beside it
    shutil.copy(quick_dag / RUN / "checkpoint.pt", tmp_path / "checkpoint.pt")
    tool("ganrepro", "evaluate", "ding/gan", "--checkpoint", tmp_path / "checkpoint.pt",
         cwd=quick_dag)  # fmt: skip
    lone = json.loads((tmp_path / "checkpoint.metrics.json").read_text())
    assert lone["scope"] == "checkpoint" and lone["step"] == job["step"]
    assert lone["final"] == job["final"] and lone["final_test"] == job["final_test"]
    # another run's checkpoint is refused by name
    res = tool("ganrepro", "evaluate", "ding/wgan", "--checkpoint", tmp_path / "checkpoint.pt",
               cwd=quick_dag, check=False)  # fmt: skip
    assert res.returncode == 2
    assert "is a checkpoint of ding/gan, not of ding/wgan" in res.stderr


def test_sample_draws_n_images_of_a_seed_as_npz_or_png(quick_dag, tmp_path):
    def sample(name, *args, run="ding/gan"):
        tool("ganrepro", "sample", run, "--out", str(tmp_path / name), *args, cwd=quick_dag)
        return tmp_path / name

    def arrays(path):
        with np.load(path) as z:
            return {k: z[k] for k in z.files}

    a = arrays(sample("a.npz", "--n", "64", "--seed", "7"))
    again = arrays(sample("again.npz", "--n", "64", "--seed", "7"))
    other = arrays(sample("other.npz", "--n", "64", "--seed", "8"))
    first = arrays(sample("first.npz", "--n", "16", "--seed", "7"))
    assert a["x"].shape == (64, 1, 32, 32) and a["x"].dtype == np.uint8
    assert np.array_equal(a["x"], again["x"]) and not np.array_equal(a["x"], other["x"])
    assert np.array_equal(a["x"][:16], first["x"])  # the first 16 latents of the same seed
    assert json.loads(str(a["meta"]))["seed"] == 7 and "y" not in a
    png = np.asarray(Image.open(sample("a.png", "--n", "64", "--seed", "7")))
    assert np.array_equal(png, tile(a["x"], 8))  # the same images, 8 per row
    # a conditional run: balanced labels, one class per column of 10
    c = arrays(sample("c.npz", "--n", "20", run="agarwal/cgan"))
    assert c["y"].tolist() == [i % 10 for i in range(20)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tensorboard_lists_each_run_once(quick_dag):
    """The runs' state/ keeps a hard-linked copy of tb/ for resuming: TensorBoard over the
    runs folder would list each run twice; `ganrepro tensorboard` lists the published ones."""
    assert (quick_dag / RUN / "state" / "tb").is_dir()
    port = _free_port()
    proc = subprocess.Popen(
        [BIN / "ganrepro", "tensorboard", "ding", "--port", str(port)],
        cwd=quick_dag,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, runs = time.monotonic() + 120, None
        while runs is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=5) as r:
                    runs = json.loads(r.read())
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
                time.sleep(1)
        assert runs is not None, "TensorBoard did not answer"
        ding = sorted(
            str(p.relative_to(quick_dag / "results/quick/runs").parent)
            for p in (quick_dag / "results/quick/runs/ding").glob("**/tb")
            if "state" not in p.parts
        )
        ding_runs = yaml.safe_load((quick_dag / "params.yaml").read_text())["sources"]["ding"]
        assert len(ding) == len(ding_runs)
        assert sorted(re.sub(r"/\.$", "", r) for r in runs) == ding  # each once
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/plugin/scalars/tags") as r:
            tags = json.loads(r.read())
        assert all({"loss_d", "loss_g"} <= set(t) for t in tags.values())
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_another_scale_writes_its_own_tree_and_reruns_nothing_here(quick_dag):
    res = snakemake("-n", "--config", "scale=small", cwd=quick_dag, check=True)
    planned = {f for line in re.findall(r"output: (.+)", res.stdout) for f in line.split(", ")}
    assert planned and all(p.startswith("results/small/") for p in planned), planned
    res = snakemake("-n", cwd=quick_dag, check=True)
    assert "Nothing to be done" in res.stdout + res.stderr

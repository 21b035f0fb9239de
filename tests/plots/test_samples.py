"""Drawing saved sample arrays; the figure, table and report commands run without importing
torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ganrepro.outputs import catalog
from ganrepro.plots import samples


def hand_made(
    conditional: bool, run_id: str = "", config_hash: str = "", channels: int = 3, steps: int = 10
) -> dict[str, np.ndarray]:
    """Arrays with the keys and shapes of ``ganrepro.evaluate.visuals.sample_arrays``."""
    rng = np.random.default_rng(0)

    def images(n):
        return rng.integers(0, 256, (n, channels, 32, 32), dtype=np.uint8)

    def labels(y):
        return np.asarray(y, np.int64) if conditional else np.full(len(y), -1, np.int64)

    return {
        "grid": images(100),
        "grid_y": labels(np.repeat(np.arange(10), 10)),
        "sample": images(100),
        "sample_y": labels(np.arange(100) % 10),
        "interpolation": images(8 * steps),
        "interpolation_y": labels(np.repeat(np.arange(8), steps) % 10),
        "interpolation_steps": np.int64(steps),
        "interpolation_method": np.str_("linear"),
        "paired": images(80),
        "paired_y": np.repeat(np.arange(10), 8).astype(np.int64),
        "per_class": np.int64(8),
        "class_names": np.array([f"class {c}" for c in range(10)]),
        "conditional": np.bool_(conditional),
        "step": np.int64(6),
        "cherry": images(80),
        "run_id": np.str_(run_id),
        "config_hash": np.str_(config_hash),
    }


def test_paired_real_images_have_the_generated_labels():
    real_y = np.array([3, 1, 3, 0, 1, 3, 0])
    real_x = np.arange(7).reshape(7, 1, 1, 1).astype(np.uint8)
    picked = samples.real_like(real_x, real_y, np.array([0, 0, 1, 3, 3]))
    assert picked.ravel().tolist() == [3, 6, 1, 0, 2]
    with pytest.raises(ValueError, match="2 images of class 1, 3 needed"):
        samples.real_like(real_x, real_y, np.array([1, 1, 1]))


def write_runs(runs_dir, quick_params) -> list[str]:
    """Hand-made samples.npz (and train.json) for every run a sample figure draws; returns
    those figures as {source}/{name}."""
    figures = []
    for source, items in catalog.FIGURES.items():
        for name, out in items.items():
            if "samples" not in catalog.NEEDS[out.kind]:
                continue
            figures.append(f"{source}/{name}")
            for run_name in out.runs:
                run = quick_params.run(f"{source}/{run_name}")
                folder = runs_dir / source / run_name
                folder.mkdir(parents=True, exist_ok=True)
                conditional = run.model.conditional or run.objective.ac is not None
                np.savez(folder / "samples.npz", **hand_made(conditional, run.id, run.hash()))
                (folder / "train.json").write_text(json.dumps({"status": "completed"}))
    return figures


def real_data(figure: str, params) -> str | None:
    """The dataset a figure shows real images of, if any."""
    source, name = figure.split("/")
    out = catalog.get("figure", source, name)
    return params.run(f"{source}/{out.runs[0]}").data if "data" in catalog.NEEDS[out.kind] else None


def test_figure_table_and_report_commands_do_not_import_torch(tmp_path, quick_params, prepared):
    """Every sample figure of the catalog drawn from hand-made arrays, then the table and report
    commands, and their error paths, in a fresh interpreter that never imports torch."""
    runs = tmp_path / "runs"
    figures = write_runs(runs, quick_params)
    assert {catalog.get("figure", *f.split("/")).kind for f in figures} >= set(samples.KINDS)
    none = tmp_path / "none"
    data = {f: real_data(f, quick_params) for f in figures}
    calls = [
        ["figure", f, "--runs-dir", str(runs), "--out", str(tmp_path / f"{f}.png")]
        + (["--data", str(prepared[data[f]])] if data[f] else [])
        for f in figures
    ]
    calls += [
        ["figure", "frank/fig7_fid_curves", "--runs-dir", str(none), "--out", "x.png"],  # error
        ["figure", "frank/nope", "--out", "x.png"],  # error
        ["table", "frank/metrics", "--runs-dir", str(none), "--out", str(tmp_path / "t.csv")],
        ["report", "--runs-dir", str(none), "--figures-dir", str(tmp_path / "frank"),
         "--tables-dir", str(none), "--data-dir", str(none), "--out", str(tmp_path / "r.html")],
    ]  # fmt: skip
    script = (
        "import json, sys\n"
        "from ganrepro.cli import main\n"
        f"codes = [main(a) for a in {calls!r}]\n"
        "print(json.dumps({'codes': codes, 'torch': 'torch' in sys.modules}))\n"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.splitlines()[-1])
    assert out["codes"][: len(figures)] == [0] * len(figures), res.stderr[-3000:]
    assert out["codes"][len(figures) : len(figures) + 2] == [2, 2]  # bad input: one line, exit 2
    assert out["torch"] is False
    for f in figures:
        assert (tmp_path / f"{f}.png").stat().st_size > 1000


def test_samples_of_another_run_or_configuration_are_refused(tmp_path):
    path = tmp_path / "samples.npz"
    np.savez(path, **hand_made(True, "frank/wgan_gp", "abc"))
    assert samples.load_samples(path, "frank/wgan_gp", "abc")["grid"].shape == (100, 3, 32, 32)
    with pytest.raises(samples.SamplesMismatch, match="holds samples of frank/wgan_gp, not of"):
        samples.load_samples(path, "frank/wgan", "abc")
    with pytest.raises(samples.SamplesMismatch, match="written by a different configuration"):
        samples.load_samples(path, "frank/wgan_gp", "def")

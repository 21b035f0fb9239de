"""Drawing saved sample arrays; the figure, table and report commands run without importing
torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ganrepro import layout
from ganrepro.cli import main
from ganrepro.outputs import catalog
from ganrepro.plots import samples
from tests.conftest import ROOT
from tests.results_tree import hand_made, parts, write_dataset


def test_paired_real_images_have_the_generated_labels():
    real_y = np.array([3, 1, 3, 0, 1, 3, 0])
    real_x = np.arange(7).reshape(7, 1, 1, 1).astype(np.uint8)
    picked = samples.real_like(real_x, real_y, np.array([0, 0, 1, 3, 3]))
    assert picked.ravel().tolist() == [3, 6, 1, 0, 2]
    with pytest.raises(ValueError, match="2 images of class 1, 3 needed"):
        samples.real_like(real_x, real_y, np.array([1, 1, 1]))


def write_runs(root, params) -> list[str]:
    """Hand-made sample arrays (and train.json) under ``root`` for every run a sample figure
    draws, and the datasets; returns those figures as {source}/{name}."""
    figures = []
    for source, items in catalog.FIGURES.items():
        for name, out in items.items():
            if out.kind not in layout.PART_OF_KIND:
                continue
            figures.append(f"{source}/{name}")
            for run_name in out.runs:
                run = params.run(f"{source}/{run_name}")
                conditional = run.model.conditional or run.objective.ac is not None
                arrays = parts(hand_made(conditional, run.id, run.hash()))
                for part, values in arrays.items():
                    path = root / layout.Tree("quick").run_file(run.id, 0, part)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    np.savez(path, **values)
                summary = root / layout.Tree("quick").run_file(run.id, 0, "summary")
                summary.write_text(json.dumps({"status": "completed"}))
    for name in params.data_names():
        write_dataset(root, name, layout.of(params))
    return figures


def test_figure_table_and_report_commands_do_not_import_torch(tmp_path, quick_params):
    """Every sample figure of the catalog drawn from hand-made arrays, then the table and report
    commands, and their error paths, in a fresh interpreter that never imports torch (run from
    ``tmp_path`` as the project root)."""
    figures = write_runs(tmp_path, quick_params)
    assert {catalog.get("figure", *f.split("/")).kind for f in figures} >= set(samples.KINDS)
    params = ["--params", str(ROOT / "params.yaml"), "--scale", "quick"]
    calls = [
        ["figure", f, "--inputs", *reads(f, quick_params), "--out", f"{f}.png", *params]
        for f in figures
    ]
    calls += [
        ["figure", "frank/fig7_fid_curves", "--inputs", "results/none", "--out", "x.png",
         *params],  # 2: undeclared
        ["figure", "frank/nope", "--inputs", "results/none", "--out", "x.png", *params],  # 2
        ["table", "frank/metrics", "--inputs", *reads("frank/metrics", quick_params, "table"),
         "--out", "t.csv", *params],  # 2: declared but not there
        ["report", "--inputs", "results/none", "--deviations", str(ROOT / "report/deviations.yaml"),
         "--out", "r.html", *params],  # 0: every run missing
    ]  # fmt: skip
    script = (
        "import json, sys\n"
        "from ganrepro.cli import main\n"
        f"codes = [main(a) for a in {calls!r}]\n"
        "print(json.dumps({'codes': codes, 'torch': 'torch' in sys.modules}))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.splitlines()[-1])
    assert out["codes"] == [0] * len(figures) + [2, 2, 2, 0], res.stderr[-3000:]
    assert out["torch"] is False
    for f in figures:
        assert (tmp_path / f"{f}.png").stat().st_size > 1000
    assert f"{len(quick_params.runs)} missing" in (tmp_path / "r.html").read_text()


def reads(output: str, params, kind: str = "figure") -> list[str]:
    source, name = output.split("/")
    return catalog.reads(catalog.get(kind, source, name), source, params)


def test_an_undeclared_input_is_refused_by_name(tmp_path, quick_params, monkeypatch, capsys):
    """The figure and table commands exit 2 with one line naming the file they were not given."""
    write_runs(tmp_path, quick_params)
    monkeypatch.chdir(tmp_path)
    params = ["--params", str(ROOT / "params.yaml"), "--scale", "quick"]
    declared = reads("agarwal/cgan_real_fake", quick_params)
    assert main(["figure", "agarwal/cgan_real_fake", "--inputs", *declared, "--out", "ok.png",
                 *params]) == 0  # fmt: skip
    data = next(p for p in declared if p.startswith("results/quick/data/"))
    without = [p for p in declared if p != data]
    code = main(
        ["figure", "agarwal/cgan_real_fake", "--inputs", *without, "--out", "x.png", *params]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and not (tmp_path / "x.png").exists()
    assert err[0] == (
        f"ganrepro figure: error: {data} is read but is not among this command's --inputs"
    )
    metrics = layout.Tree("quick").run_file("frank/wgan", 0, "metrics")
    table = ["table", "frank/metrics", "--inputs", metrics, "--out", "t.csv", *params]
    assert main(table) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "results/quick/runs/frank/dcgan/metrics.json is read but" in err[0]


def test_samples_of_another_run_or_configuration_are_refused(tmp_path):
    path = tmp_path / "samples.npz"
    np.savez(path, **hand_made(True, "frank/wgan_gp", "abc"))
    assert samples.load_samples(path, "frank/wgan_gp", "abc")["grid"].shape == (100, 3, 32, 32)
    with pytest.raises(samples.SamplesMismatch, match="holds samples of frank/wgan_gp, not of"):
        samples.load_samples(path, "frank/wgan", "abc")
    with pytest.raises(samples.SamplesMismatch, match="written by a different configuration"):
        samples.load_samples(path, "frank/wgan_gp", "def")


@pytest.mark.parametrize(
    ("figure", "run", "name", "damage"),
    [
        ("zhu/samples", "zhu/dcgan_mnist", "summary", '{"status": "compl'),
        ("frank/fig1_losses_dcgan", "frank/dcgan", "log", "step,loss_d,loss_g\n0,1.2,0.7\n1,1."),
        ("frank/fig1_losses_dcgan", "frank/dcgan", "log", "step,loss_d,loss_g\n0,garbage,0.7\n"),
    ],
)
def test_a_damaged_train_json_or_log_is_one_line_naming_the_job_to_rerun(
    tmp_path, quick_params, monkeypatch, capsys, figure, run, name, damage
):
    """A truncated train.json or log.csv stops the figure job with exit 2 and one line: the
    file, what it should be, and the command that rewrites it (no traceback)."""
    write_runs(tmp_path, quick_params)
    monkeypatch.chdir(tmp_path)
    tree = layout.Tree("quick")
    log = tmp_path / tree.run_file("frank/dcgan", 0, "log")
    log.write_text("step,loss_d,loss_g\n0,1.2,0.7\n1,1.1,0.8\n")
    damaged = tree.run_file(run, 0, name)
    (tmp_path / damaged).write_text(damage)
    params = ["--params", str(ROOT / "params.yaml"), "--scale", "quick"]
    args = ["figure", figure, "--inputs", *reads(figure, quick_params), "--out", "f.png"]
    assert main([*args, *params]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and not (tmp_path / "f.png").exists(), err
    rule = "train"  # train.json and log.csv are the training job's
    assert err[0].startswith(f"ganrepro figure: error: {damaged}: not a readable ")
    assert err[0].endswith(
        f"rerun its rule ({rule}): snakemake --cores all --config scale=quick --force {damaged}"
    )

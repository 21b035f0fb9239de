"""The full-scale rehearsal in the suite, as a slice: one run per architecture family (MLP,
DCGAN, ResNet) and CFG-GAN, from archives in the real formats served on 127.0.0.1 to the real
download code and decoders, trained at full settings for the rehearsal's few iterations,
evaluated with the Inception extractor from a weights file in torch-fidelity's format, and
the report from that tree in headless Chromium; a real run refusing the rehearsal's files; and
`dvc repro` of one full-scale stage chain on rehearsal data. The whole rehearsal (every job of
the full DAG) is benchmarks/bench_rehearsal.py."""

from __future__ import annotations

import json
import math
import re
import shutil

import numpy as np
import pytest
import yaml

from ganrepro import layout, measure
from ganrepro.config import load_params
from ganrepro.measure import settings_key
from ganrepro.report.anchors import ANCHORS
from ganrepro.sizing import evaluation_plan
from ganrepro.train.adversarial import total_iterations

from ..conftest import copy_repo, git, require_free_space, snakemake, tool

pytestmark = pytest.mark.slow
T = layout.Tree("rehearsal")
# one run per architecture family, and CFG-GAN's own trainer
SLICE = ("ding/gan", "frank/wgan_gp", "zhu/wgan_gp_resnet_cifar10", "zhu/cfg_dcgan_mnist")
FIGURES = ("fig5_losses_wgan_gp", "fig6_samples_wgan_gp")  # frank's, of a run of the slice
SUITE_BUDGETS = {"samples": 10, "reference": 25}  # the slice's images (see `rehearsed`)


@pytest.fixture(scope="module")
def rehearsed(root, tmp_path_factory):
    """The slice through the real Snakemake (`--config rehearse=true`), then the report of
    what it made."""
    repo = copy_repo(root, tmp_path_factory.mktemp("rehearsal"))
    require_free_space(repo, 3.0)
    # Half the rehearsal's images: the Inception passes at 299x299 are a large share of
    # this slice's CPU time (with the two full-width trainings), and the count does not change
    # what runs (the whole rehearsal, benchmarks/bench_rehearsal.py, keeps params.yaml's).
    # 10 samples still fill IS's splits.
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    raw["rehearsal"].update(SUITE_BUDGETS)
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    targets = [T.run_file(r, 0, "metrics") for r in SLICE]
    targets += [T.figure("frank", f) for f in FIGURES]
    res = snakemake(
        "--cores", "2", *targets, "--config", "rehearse=true", "device=cpu", cwd=repo, timeout=2400
    )
    assert res.returncode == 0, res.stderr[-5000:]
    params = load_params(repo / "params.yaml", rehearse=True)
    from ganrepro.report.build import report_reads

    present = [p for p in report_reads(params) if (repo / p).is_file()]
    tool(
        "ganrepro", "report", "--inputs", *present, "--out", T.report,
        "--params", "params.yaml", "--scale", "full", "--rehearse", cwd=repo,
    )  # fmt: skip
    return repo, params


def test_real_format_archives_are_served_downloaded_and_decoded(rehearsed):
    repo, _ = rehearsed
    for name, sizes in (("mnist", (60_000, 10_000)), ("cifar10", (50_000, 10_000))):
        manifest = json.loads((repo / T.archives(name) / "manifest.json").read_text())
        assert manifest["kind"] == "rehearsal"
        for rel, entry in manifest["files"].items():  # downloaded through the server, verified
            got = repo / T.raw / rel
            assert measure_md5(got) == entry["md5"] and got.stat().st_size == entry["bytes"]
        with np.load(repo / T.data(name)) as z:
            meta = json.loads(str(z["meta"]))
            assert meta["rehearsal"] and meta["kind"] == "real"
            assert (len(z["train_x"]), len(z["test_x"])) == sizes
            assert z["train_x"].shape[1:] == ((1,) if name == "mnist" else (3,)) + (32, 32)


def measure_md5(path):
    from ganrepro.data.download import md5sum

    return md5sum(path)


def test_each_training_runs_the_full_settings_for_the_rehearsals_steps(rehearsed):
    repo, params = rehearsed
    full = load_params(repo / "params.yaml", scale="full")
    steps = params.rehearsal.steps
    for run_id in SLICE:
        summary = json.loads((repo / T.run_file(run_id, 0, "summary")).read_text())
        run = full.runs[run_id]
        n_train = {"mnist": 60_000, "cifar10": 50_000}[run.data]  # the real train splits
        schedule = run.schedule.stages or total_iterations(run, n_train)
        assert summary["status"] == "completed", run_id
        assert summary["steps_done"] == summary["total_steps"] == steps, run_id
        assert summary["rehearsal"] == {
            "REHEARSAL": True, "steps": steps, "schedule_steps": schedule
        }, run_id  # fmt: skip
        ckpts = sorted(p.name for p in (repo / T.run_file(run_id, 0, "ckpt")).glob("step_*.pt"))
        assert len(ckpts) == 1 + params.rehearsal.checkpoints, ckpts  # with step 0
        config = yaml.safe_load((repo / T.run_file(run_id, 0, "config")).read_text())
        assert "rehearsal" in json.dumps(config), run_id


def test_evaluation_runs_inception_at_full_shapes(rehearsed):
    repo, params = rehearsed
    n = params.rehearsal.samples
    assert n == SUITE_BUDGETS["samples"]
    for run_id in SLICE:
        m = json.loads((repo / T.run_file(run_id, 0, "metrics")).read_text())
        assert m["rehearsal"]["REHEARSAL"] and m["rehearsal"]["samples"] == n
        protocol = m["protocol"]["extractors"]["inception"]
        assert protocol["weights"] == "weights-inception-random.pth"
        assert protocol["random_weights"] is True
        assert m["protocol"]["n_samples"] == n and m["protocol"]["is_splits"] == 10
        for ex in ("inception", "classifier"):
            assert all(math.isfinite(m["final"][ex][k]) for k in ("fid", "is_mean")), run_id
        assert len(m["curve"]) == 1 + params.rehearsal.checkpoints
        assert m["images_scored"] >= (2 + len(m["curve"])) * n


def test_every_job_measured_its_time_and_peak_memory(rehearsed):
    repo, rehearsal_params = rehearsed  # the params the slice ran with
    steps = rehearsal_params.rehearsal.steps
    entries = measure.read(repo / T.resources)
    for run_id in SLICE:
        job = f"train-{run_id.replace('/', '-')}"
        e = entries[job]
        assert e["peak_rss_mb"] > 100 and e["device"] == "cpu" and e["device_name"]
        assert e["s_per_step"] > 0 and e["steps"] == steps and e["schedule_steps"] > steps
        # what each evaluation extracted is what ganrepro.sizing plans for it (the best
        # checkpoint is scored again unless it is the final one)
        ev = entries[f"evaluate-{run_id.replace('/', '-')}"]
        n_ext = len(rehearsal_params.evaluation.extractors)
        plans = [evaluation_plan(rehearsal_params, run_id, best) for best in (False, True)]
        assert (ev["images"], ev["calls"]) in [(i * n_ext, c * n_ext) for i, c in plans], run_id
        assert 0 < ev["extract_s"] < ev["work_s"] < ev["wall_s"]
        assert 0 < ev["pair_s_2048"] < 1e-5  # the full scale's pairwise rate, timed at scale
        assert ev["sizing"]["key"] == settings_key(rehearsal_params, "evaluate", run_id)
    rules = {e["rule"] for e in entries.values()}
    assert {"rehearse archives", "rehearse inception", "data prepare", "classifier train"} <= rules
    assert {"stats", "train", "evaluate", "visuals", "figure"} <= rules
    assert all(e["tree"] == "rehearsal" for e in entries.values())


def test_everything_written_says_rehearsal(rehearsed):
    repo, params = rehearsed
    page = (repo / T.report).read_text()
    assert "REHEARSAL of the full scale" in page and "<title>REHEARSAL: " in page
    rows = {m[1]: m[2] for m in re.finditer(r'<tr id="run-([^"]+)">(.*?)</tr>', page, re.S)}
    assert set(rows) == set(params.runs)
    assert all('<span class="tag">REHEARSAL</span>' in row for row in rows.values())
    claims = page[page.index('id="claims"') : page.index('id="anchors"')]
    verdicts = re.findall(r'<td class="([a-z-]+)">', claims)
    assert verdicts and set(verdicts) == {"rehearsal-not-comparable"}
    anchors = page[page.index('id="anchors"') : page.index('id="compute"')]
    assert anchors.count("rehearsal: not comparable") == len(ANCHORS)
    assert "ours " in anchors  # the ResNet WGAN-GP's IS beside its 7.86: measured, not judged
    for name in FIGURES:
        assert (repo / T.figure("frank", name)).stat().st_size > 0


def test_the_report_renders_in_chromium(rehearsed, tmp_path):
    from tests.chromium import relative_links, render

    repo, _ = rehearsed
    index = repo / T.report
    got = render(index, tmp_path)
    assert got.console == [] and got.loaded == got.images
    page = index.read_text()
    for section in ("verdicts", "runs", "claims", "anchors", "compute", "trace", "deviations"):
        assert f'id="{section}"' in page, section
    broken = [
        link
        for link in relative_links(page)
        if not (index.parent / link).is_file() and any(r in link for r in SLICE)
    ]
    assert broken == []


def test_a_real_run_refuses_the_rehearsals_files_by_name(rehearsed):
    repo, _ = rehearsed
    full = ["--params", "params.yaml", "--scale", "full"]
    ckpt = T.run_file("frank/wgan_gp", 0, "checkpoint")
    res = tool(
        "ganrepro", "samples", "frank/wgan_gp", "--kind", "grid", "--checkpoint", ckpt,
        "--out", "x.png", "--device", "cpu", *full, cwd=repo, check=False,
    )  # fmt: skip
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert f"{ckpt} is a REHEARSAL checkpoint" in res.stderr
    res = tool(
        "ganrepro", "train", "ding/gan", "--data", T.data("mnist"), "--out", "r",
        "--device", "cpu", *full, cwd=repo, check=False,
    )  # fmt: skip
    assert res.returncode == 2 and "REHEARSAL's synthetic archives" in res.stderr
    assert not (repo / "r" / "checkpoint.pt").exists()
    res = tool(
        "ganrepro", "stats", "--data", T.data("mnist"), "--out", "s.npz",
        "--classifier", T.classifier("mnist"), "--device", "cpu", *full, cwd=repo, check=False,
        env={"GANREPRO_INCEPTION_WEIGHTS": ""},
    )  # fmt: skip
    assert res.returncode == 2 and "Inception" in res.stderr  # no real weights configured
    env_res = tool(
        "ganrepro", "stats", "--data", T.data("mnist"), "--out", "s.npz",
        "--classifier", T.classifier("mnist"), "--device", "cpu", *full, cwd=repo, check=False,
        env={"GANREPRO_INCEPTION_WEIGHTS": T.inception},
    )  # fmt: skip
    assert env_res.returncode == 2 and "6726825d" in env_res.stderr, env_res.stderr
    assert not (repo / "s.npz").exists()


def test_dvc_repro_runs_a_full_scale_stage_chain_on_rehearsal_data(rehearsed):
    """dvc.yaml of the rehearsal, and `dvc repro` of one chain on the rehearsal's files: the
    stages above the training (archives, Inception, data, classifier, statistics) recorded
    from the Snakemake run (`dvc commit`), then DVC trains from scratch and evaluates, to the
    checkpoint bytes Snakemake's job wrote."""
    repo, _ = rehearsed
    tool("ganrepro", "dvc-yaml", "--scale", "full", "--rehearse", "--out", "dvc.yaml", cwd=repo)
    git(repo, "init", "-q")  # the copy has the project's .dvc/ (DVC initialised)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "copy")
    upstream = [
        "rehearsal_archives-mnist",
        "rehearsal_inception",
        "prepare_data-mnist",
        "classifier-mnist",
        "stats-mnist",
    ]
    tool("dvc", "commit", "--force", *upstream, cwd=repo)
    checkpoint = repo / T.run_file("ding/gan", 0, "checkpoint")
    snakemakes = checkpoint.read_bytes()
    shutil.rmtree(checkpoint.parent / "state")  # no resuming: DVC's job trains from step 0
    before = len((repo / T.resources).read_text().splitlines())
    stage = "evaluate-ding-gan"
    tool("dvc", "repro", stage, cwd=repo, timeout=1800)
    lines = (repo / T.resources).read_text().splitlines()[before:]
    assert sorted(json.loads(line)["job"] for line in lines) == [
        "evaluate-ding-gan",
        "train-ding-gan",
    ]
    assert checkpoint.read_bytes() == snakemakes
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert {stage, "train-ding-gan", *upstream} <= set(lock["stages"])
    m = json.loads((repo / T.run_file("ding/gan", 0, "metrics")).read_text())
    assert m["rehearsal"]["REHEARSAL"] and "inception" in m["final"]
    res = tool("dvc", "status", stage, cwd=repo)
    assert "up to date" in res.stdout or res.stdout.strip() in ("", "{}")

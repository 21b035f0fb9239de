"""The workflow on a real single-node SLURM cluster (started and stopped by these tests):
jobs run as SLURM jobs, checkpoints equal a local run's, a cancelled training job is retried and
resumes to the same bytes, and bad clusters fail fast with SLURM's own message."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from ganrepro import layout

from ..conftest import BIN, copy_repo, tool

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("starting SLURM daemons needs root")
    state = tmp_path_factory.mktemp("slurm")
    script = ROOT / "scripts/slurm-cluster.sh"
    start = subprocess.run(
        ["bash", str(script), "start", str(state)], capture_output=True, text=True, timeout=600
    )
    assert start.returncode == 0, start.stdout + start.stderr
    try:
        yield state
    finally:
        subprocess.run(["bash", str(script), "stop", str(state)], timeout=120)
        assert not any((state / f).exists() for f in ("slurmctld.pid", "slurmd.pid"))


# The plugin first asks SLURM for its jobs' states this many seconds after submitting them,
# then waits 10 s longer each round until a job has finished (snakemake-executor-plugin-slurm
# 2.8.0). From the profile's 10 s, a finished short job waited 10-30 s to be seen; how fast
# the plugin polls is not what these tests check.
POLL = ("--slurm-init-seconds-before-status-checks", "2")


def run_slurm(repo: Path, *args: str, timeout=900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [str(BIN / "snakemake"), "--profile", "slurm", *POLL, *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def jobs(state: Path) -> list[dict[str, str]]:
    """Finished SLURM jobs, from the cluster's job completion log."""
    log = state / "jobcomp.log"
    if not log.exists():
        return []
    return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in log.read_text().splitlines()]


def minutes(limit: str) -> int:
    """A SLURM time limit ("15", "00:30:00", "1-00:00:00") in minutes."""
    if limit.isdigit():
        return int(limit)
    days, _, clock = limit.rpartition("-")
    h, m, sec = (int(x) for x in clock.split(":"))
    return int(days or 0) * 1440 + h * 60 + m + (sec > 0)


TARGETS = [
    "results/quick/runs/ding/gan/metrics.json",  # BCE, MLP
    "results/quick/runs/frank/wgan/metrics.json",  # Wasserstein + clipping, DCGAN
    "results/quick/runs/ding/wgan_gp/metrics.json",  # gradient penalty (MLP: the cheapest)
    "results/quick/runs/zhu/cfg_resnet_cifar10/metrics.json",  # CFG-GAN (its cheapest quick run)
    "results/quick/figures/frank/fig3_losses_wgan.png",
]


def reuse(quick_dag: Path, repo: Path, dataset: str) -> None:
    """The local run's prepared data, classifier, statistics and their settings stamps, with
    their times (the slowest jobs of a dataset's evaluation need not run twice)."""
    tree = layout.Tree("quick")
    for rel in (tree.data(dataset), tree.classifier(dataset), tree.stats(dataset)):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(quick_dag / rel, repo / rel)
    for job in (f"prepare_data-{dataset}", f"classifier-{dataset}", f"stats-{dataset}"):
        stamps = Path(tree.settings_stamp(job, "any")).parent
        shutil.copytree(quick_dag / stamps, repo / stamps)


def test_a_cancelled_training_job_is_retried_and_resumes_to_the_same_bytes(cluster, tmp_path):
    repo = copy_repo(ROOT, tmp_path / "repo")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    run = params["sources"]["frank"]["wgan_gp"]
    run["schedule"] = {"batch_size": 16, "n_critic": 5, "iterations": 200, "reuse_real": False}
    run["eval"] = {"checkpoints": 4}
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    # the uninterrupted reference, trained locally with the same params and seed
    tool(
        "ganrepro", "data", "prepare", "photos", "--out", "results/quick/data/photos.npz", cwd=repo
    )
    tool(
        "ganrepro",
        "train",
        "frank/wgan_gp",
        "--out",
        str(tmp_path / "reference"),
        "--threads",
        "1",
        cwd=repo,
        timeout=900,
    )

    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    target = "results/quick/runs/frank/wgan_gp/checkpoint.pt"
    # the plugin's partition configuration: the job (15 min at the quick scale) fits only "long"
    partitions = tmp_path / "partitions.yaml"
    partitions.write_text(
        yaml.safe_dump(
            {"partitions": {"debug": {"max_runtime": 10}, "long": {"max_runtime": 2880}}}
        )
    )
    proc = subprocess.Popen(
        [
            str(BIN / "snakemake"),
            *("--profile", "slurm", *POLL, target),
            *("--slurm-partition-config", str(partitions)),
        ],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log = repo / "results/quick/runs/frank/wgan_gp/state/log.csv"  # the live log
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # wait for the job to be training, then cancel it
        if log.exists() and len(log.read_text().splitlines()) > 60:
            break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the training job never started")
    running = subprocess.run(
        ["squeue", "-h", "-t", "R", "-o", "%i"], capture_output=True, text=True, timeout=30
    ).stdout.split()
    assert len(running) == 1
    subprocess.run(["scancel", running[0]], check=True, timeout=30)
    try:
        out, _ = proc.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        raise
    assert proc.returncode == 0, out[-4000:]
    tried = [j for j in jobs(cluster) if int(j["JobId"]) >= int(running[0])]
    states = [j["JobState"] for j in tried]
    assert states[0] == "CANCELLED" and states[-1] == "COMPLETED", states
    # each attempt asked for attempt x the first one's time, in the partition that fits it
    runtime = yaml.safe_load((repo / "params.yaml").read_text())["resources"]["train"]["runtime"]
    limits = [minutes(j["TimeLimit"]) for j in tried]
    assert limits == [runtime["quick"] * (a + 1) for a in range(len(tried))], tried
    assert {j["Partition"] for j in tried} == {"long"}, tried
    folder = repo / "results/quick/runs/frank/wgan_gp"
    assert (folder / "checkpoint.pt").read_bytes() == (
        tmp_path / "reference/checkpoint.pt"
    ).read_bytes()
    assert not (folder / "state/resume.pt").exists()
    assert not list(folder.rglob("*.tmp"))  # nothing half-written left behind
    final_log = (folder / "log.csv").read_text().splitlines()[1:]
    assert [int(line.split(",")[0]) for line in final_log] == list(range(1, 201))


def test_an_unknown_partition_fails_fast_with_slurms_message(cluster, tmp_path):
    repo = copy_repo(ROOT, tmp_path)
    t0 = time.monotonic()
    res = run_slurm(
        repo,
        "--default-resources",
        "slurm_partition=nosuchpartition",
        "--retries",
        "0",
        "results/quick/runs/ding/gan/checkpoint.pt",
        timeout=300,
    )
    assert res.returncode != 0
    assert "invalid partition" in (res.stdout + res.stderr).lower()
    assert time.monotonic() - t0 < 240


# The tests above need no quick DAG: this file is the first of those that read it (tests/
# conftest.py runs them last), so they run while the DAG may still be building, and the one
# below waits for it. The cluster-down test stops the controller: it stays last.
def test_workflow_jobs_run_on_slurm_and_match_a_local_run(cluster, quick_dag, tmp_path):
    repo = copy_repo(ROOT, tmp_path)
    reuse(quick_dag, repo, "photos")  # the digits' classifier and statistics run on SLURM
    before = len(jobs(cluster))
    t0 = time.monotonic()
    res = run_slurm(repo, *TARGETS)
    wall = time.monotonic() - t0
    assert res.returncode == 0, res.stderr[-4000:]
    done = jobs(cluster)[before:]
    # the digits' classifier and stats, train + evaluate for 4 runs; data/figures are local
    assert len(done) == 10 and all(j["JobState"] == "COMPLETED" for j in done), done
    kept = layout.Tree("quick").classifier("photos")
    assert (repo / kept).stat().st_mtime == (quick_dag / kept).stat().st_mtime  # not rerun
    for run in ("ding/gan", "frank/wgan", "ding/wgan_gp", "zhu/cfg_resnet_cifar10"):
        ours = (repo / f"results/quick/runs/{run}/checkpoint.pt").read_bytes()
        assert ours == (quick_dag / f"results/quick/runs/{run}/checkpoint.pt").read_bytes(), run
    assert (repo / TARGETS[-1]).stat().st_size > 10_000
    print(f"\nSLURM part of the workflow: {len(done)} jobs in {wall:.0f} s")


def test_a_cluster_that_is_down_fails_fast_with_slurms_message(cluster, tmp_path):
    repo = copy_repo(ROOT, tmp_path)
    pid = int((cluster / "slurmctld.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.kill(pid, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            break
    t0 = time.monotonic()
    res = run_slurm(
        repo, "--retries", "0", "results/quick/runs/ding/gan/checkpoint.pt", timeout=400
    )
    assert res.returncode != 0
    text = (res.stdout + res.stderr).lower()
    assert "unable to contact slurm controller" in text or "connection refused" in text, text[
        -2000:
    ]
    assert time.monotonic() - t0 < 360

"""The warm process of a local run's jobs (ganrepro.forkserver): a command run through it ends
as the `ganrepro` script run directly does (the same files, stderr and exit status); the signals
the job's process gets reach the worker; a job killed outright takes its worker with it; and
with no server listening, the command runs in its own process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ganrepro import forkserver
from ganrepro.train import checkpoint
from ganrepro.train.run import SIGTERM_EXIT

BIN = Path(sys.executable).parent
RUN = "frank/wgan_gp"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server started as a Snakemake run starts one; only the commands below get its
    address."""
    log = tmp_path_factory.mktemp("forkserver") / "server.log"
    saved = os.environ.get(forkserver.ENV)
    proc = forkserver.start(log)
    address = os.environ.pop(forkserver.ENV)
    if saved is not None:
        os.environ[forkserver.ENV] = saved
    yield address, log
    forkserver.stop(proc)
    assert proc.returncode == 0, log.read_text()
    assert log.read_text().splitlines()[-1].endswith("stopped")


def ganrepro(*args: str, address: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != forkserver.ENV}
    if address:
        env[forkserver.ENV] = address
    return subprocess.Popen(
        [str(BIN / "ganrepro"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def workers(log: Path) -> dict[int, str]:
    """The server's workers so far: pid -> the command's first words."""
    return {int(m[1]): m[2] for m in re.finditer(r"^worker (\d+): (.*)$", log.read_text(), re.M)}


@pytest.fixture
def train_args(raw_params, prepared, tmp_path):
    """`ganrepro train` of a short frank/wgan_gp (DCGAN, BatchNorm, gradient penalty), with
    ``iterations`` generator iterations."""

    def args(iterations: int, out: Path) -> list[str]:
        raw = json.loads(json.dumps(raw_params))
        raw["sources"]["frank"]["wgan_gp"]["schedule"] = {
            "batch_size": 16,
            "n_critic": 5,
            "iterations": iterations,
            "reuse_real": False,
        }
        params = tmp_path / f"params-{iterations}.yaml"
        params.write_text(yaml.safe_dump(raw))
        data = ["--data", str(prepared["photos"])]
        return ["train", RUN, *data, "--params", str(params), "--threads", "1", "--out", str(out)]

    return args


def wait_for_steps(out: Path, n: int, proc: subprocess.Popen) -> None:
    log = out / "state/log.csv"  # the live log
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) > n:
            return
        time.sleep(0.05)
    pytest.fail(f"no {n} logged steps: {finish(proc)}")


def test_a_training_through_the_server_ends_with_the_direct_runs_bytes(
    server, train_args, tmp_path
):
    address, log = server
    direct = ganrepro(*train_args(6, tmp_path / "direct"), address=None)
    assert finish(direct)[0] == 0
    warm = ganrepro(*train_args(6, tmp_path / "warm"), address=address)
    code, _, err = finish(warm)
    assert code == 0, err
    assert "train frank/wgan_gp" in workers(log).values()  # it did run in a worker
    ours, theirs = (tmp_path / "warm", tmp_path / "direct")
    assert (ours / "checkpoint.pt").read_bytes() == (theirs / "checkpoint.pt").read_bytes()
    assert losses(ours) == losses(theirs)


def losses(folder: Path) -> list[list[str]]:
    """log.csv less its images-per-second column (a measured speed)."""
    rows = [line.split(",") for line in (folder / "log.csv").read_text().splitlines()]
    speed = rows[0].index("img_per_s")
    return [row[:speed] + row[speed + 1 :] for row in rows]


def test_bad_input_gives_the_same_status_and_message(server, tmp_path):
    address, log = server
    before = set(workers(log))
    args = ("train", "nosuch/run", "--out", str(tmp_path / "x"))
    direct, warm = (finish(ganrepro(*args, address=a)) for a in (None, address))
    assert direct[0] == warm[0] == 2
    assert warm[2] == direct[2] and "nosuch/run" in warm[2]
    assert list(workers(log).values())[len(before) :] == ["train nosuch/run"]


def training_in_a_worker(server, train_args, out: Path) -> tuple[subprocess.Popen, int]:
    """A 400-iteration training started through the server, once it has logged 5 steps: the
    job's process and its worker's pid (exactly one new worker)."""
    address, log = server
    before = set(workers(log))
    job = ganrepro(*train_args(400, out), address=address)
    wait_for_steps(out, 5, job)
    (worker,) = set(workers(log)) - before
    return job, worker


def test_sigterm_to_the_job_stops_the_worker_as_it_stops_a_direct_run(server, train_args, tmp_path):
    out = tmp_path / "stopped"
    job, _ = training_in_a_worker(server, train_args, out)
    job.send_signal(signal.SIGTERM)
    code, _, err = finish(job)
    assert code == SIGTERM_EXIT, err  # the training saved its state and said it can resume
    assert 0 < checkpoint.newest_state(out / "state")[1]["step"] < 400


def test_a_job_killed_outright_takes_its_worker_with_it(server, train_args, tmp_path):
    job, worker = training_in_a_worker(server, train_args, tmp_path / "killed")
    job.kill()
    job.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{worker}").exists():
        time.sleep(0.05)
    assert not Path(f"/proc/{worker}").exists()  # ended, and reaped by the server


def test_with_no_server_listening_the_command_runs_in_its_own_process(tmp_path, root):
    nobody = f"@ganrepro-nobody-{os.getpid()}"
    args = ("runs", "--params", str(root / "params.yaml"))
    direct, cold = (finish(ganrepro(*args, address=a)) for a in (None, nobody))
    assert cold == direct and direct[0] == 0 and "frank/wgan_gp" in direct[1].split()

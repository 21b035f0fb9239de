"""The workflow under faults: a run whose losses turn NaN is marked diverged and the DAG goes on
to its metrics; a second Snakemake on the same folder is refused while the first one runs
(by the lock, or by the incomplete-files check when the first one is already writing:
whichever refuses it), and the first one's outputs stay whole."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
import yaml

from ganrepro import layout
from ganrepro.train import checkpoint

from ..conftest import BIN, copy_repo, snakemake
from .helpers import RUN, record

pytestmark = pytest.mark.slow  # real Snakemake runs

TARGET = layout.Tree("quick").run_file(RUN, 0, "metrics")
REFUSALS = ("Directory cannot be locked", "IncompleteFilesException")


@pytest.fixture(scope="module")
def raced(root, tiny_raw, tmp_path_factory):
    """A copy of the repository whose RUN has an exploding learning rate (NaN at step 1);
    Snakemake A makes TARGET while Snakemake B, started once A holds the lock, asks for it too."""
    repo = copy_repo(root, tmp_path_factory.mktemp("repo"))
    raw = json.loads(json.dumps(tiny_raw))
    source, name = RUN.split("/")
    raw["sources"][source][name]["optim"]["lr"] = 1.0e30
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    a = subprocess.Popen(
        [str(BIN / "snakemake"), "--cores", "1", TARGET],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    locks = repo / ".snakemake" / "locks"
    deadline = time.monotonic() + 120
    while a.poll() is None and time.monotonic() < deadline and not any(locks.glob("*")):
        time.sleep(0.05)
    b = snakemake("--cores", "1", TARGET, cwd=repo, timeout=300)
    overlapped = a.poll() is None  # A held the lock from before B started until B gave up
    a_out = a.communicate(timeout=600)[0]
    return {"repo": repo, "a": (a.returncode, a_out), "b": b, "overlapped": overlapped}


def test_a_second_snakemake_on_the_same_folder_is_refused_by_the_lock(raced):
    b = raced["b"]
    said = b.stdout + b.stderr
    # Snakemake refuses B by its lock, or (when A has already begun writing an output) by the
    # incomplete-files check that runs first: either way B stops before running any job
    refused = (
        b.returncode != 0
        and any(why in said for why in REFUSALS)
        and not re.search(r"^(rule|localrule) \w+:", said, re.M)
        and "Finished job" not in said
    )
    code, output = raced["a"]
    again = snakemake("-n", TARGET, cwd=raced["repo"])
    intact = code == 0 and "Nothing to be done" in again.stdout + again.stderr
    record(refused and intact)
    assert raced["overlapped"], "the first Snakemake ended before the second one started"
    assert refused, b.stdout[-2000:] + b.stderr[-2000:]
    assert code == 0, output[-3000:]
    assert intact, again.stdout[-2000:] + again.stderr[-2000:]


def test_nan_losses_mark_the_run_diverged_and_the_dag_completes(raced):
    code, output = raced["a"]
    folder = raced["repo"] / layout.Tree("quick").run_dir(RUN)
    metrics = json.loads((folder / "metrics.json").read_text()) if code == 0 else {}
    diverged = metrics.get("status") == "diverged" and "non-finite" in metrics.get("reason", "")
    record(code == 0 and diverged)
    assert code == 0, output[-3000:]
    assert diverged, metrics
    # the run's checkpoint is its last good state, not the NaN one
    state = checkpoint.load(folder / "checkpoint.pt")
    assert state["step"] == metrics["step"] == 0
    assert all(v.isfinite().all() for v in state["trainer"]["G"].values() if v.is_floating_point())

"""What each job costs: its wall and CPU seconds, peak memory (RSS; on a GPU also CUDA's peak)
and the device, appended as one JSON line to its tree's ``resources.jsonl``
(:attr:`ganrepro.layout.Tree.resources`) when the job succeeds.

The full-scale rehearsal's lines are what a full run's cluster resources are sized from
(seconds per generator iteration x the schedule, peak memory x a margin); a command adds what
it knows of its own work (``detail``: steps and seconds per step for a training, images scored
for an evaluation). Lines are appended under an exclusive lock, so parallel jobs never
interleave; a job that ran twice has two lines, the later one current.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import resource
import socket
import sys
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class Meter:
    """Started when a job starts; :meth:`entry` is what it cost so far."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.started = now_utc()
        self.detail: dict = {}

    def entry(self, job: str, device: str | None = None, threads: int | None = None) -> dict:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = {
            "job": job,
            "started": self.started,
            "wall_s": round(time.perf_counter() - self.t0, 3),
            "cpu_s": round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 3),
            "peak_rss_mb": round(max(me.ru_maxrss, kids.ru_maxrss) / 1024, 1),  # Linux: KiB
            "device": device or "cpu",
            "device_name": _device_name(device),
            "threads": threads,
            "host": socket.gethostname(),
            "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        }
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            out["cuda_peak_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
            out["cuda_peak_reserved_mb"] = round(torch.cuda.max_memory_reserved() / 2**20, 1)
        return {**out, **self.detail}


def _device_name(device: str | None) -> str:
    if device and device.startswith("cuda"):
        import torch

        from ganrepro.train.attempts import device_name

        return device_name(torch.device(device))
    return cpu_name()


def cpu_name() -> str:
    """The CPU model (``/proc/cpuinfo``), else what the platform says, never empty."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware", "cpu model") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def append(path: str | Path, entry: dict) -> None:
    """One JSON line at the end of ``path``, under an exclusive lock."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, sort_keys=True) + "\n"
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read(path: str | Path) -> dict[str, dict]:
    """The current (latest) line of each job in ``path``; a torn last line is skipped."""
    current: dict[str, dict] = {}
    path = Path(path)
    if not path.is_file():
        return current
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        current[entry["job"]] = entry
    return current


def pairwise(n_fake: int, n_ref: int, kid_subsets: int, kid_subset_size: int) -> int:
    """Feature pairs the metrics compare for ``n_fake`` generated and ``n_ref`` reference
    features (ganrepro.evaluate.metrics): precision/recall's distances fake-real, real-real and
    fake-fake, and KID's kernels over its subsets. What their time grows with."""
    m = min(kid_subset_size, n_fake, n_ref)
    return n_fake * n_ref + n_ref * n_ref + n_fake * n_fake + 3 * kid_subsets * m * m


def settings_key(params: Any, rule: str, subject: str, runtime: dict | None = None) -> str:
    """What a job's cost depends on, as a hash: the full-scale settings of the run or dataset
    ``subject`` that the job of ``rule`` works with, without the rehearsal's budgets (the
    rehearsal's measurement and the full job it sizes share the key; any other change of
    settings changes it). ``subject``: a run id, "run_id/part" (visuals) or a dataset;
    ``runtime``: a training's step knobs (ganrepro.train.runtime: bf16, compile...)."""
    ev = params.evaluation
    classifier = asdict(replace(params.classifier, max_steps=None))
    if rule == "classifier":
        what: dict = {"dataset": subject, "classifier": classifier}
    elif rule == "stats":
        what = {"dataset": subject, "extractors": list(ev.extractors)}
    else:
        run = params.run("/".join(subject.split("/")[:2]))
        run = replace(run, rehearsal=None, eval=replace(run.eval, checkpoints=0))
        what = {"run": run.to_dict(), "part": subject.split("/")[2:]}
        if rule == "train":
            what["runtime"] = runtime or {}
        else:
            what["extractors"] = list(ev.extractors)
    if rule in ("stats", "evaluate", "visuals"):  # the domain classifier they may run
        what["classifier"] = classifier
    blob = json.dumps({"rule": rule, **what}, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]

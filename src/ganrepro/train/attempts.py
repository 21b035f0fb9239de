"""Compute accounting: every process that trained a run (an "attempt") and what it cost.

A run may take several processes: the first, one after each SIGTERM (a SLURM time limit), each
after a crash or a kill, a retry. Each is one entry of ``train.json``'s ``attempts``, oldest
first::

    {"started": "2026-11-23T21:31:50+00:00",  # ISO-8601, UTC
     "wall_time_s": 12.3,                      # from the process's start to its end
     "device": "cpu" | "cuda:0" ...,
     "device_name": "<CPU model> | <GPU name>",
     "from_step": 0, "to_step": 40,
     "outcome": "completed" | "interrupted" | "diverged" | "failed"}

``to_step`` is the step of the state the attempt left behind (what the next one resumes from):
``total`` for a completed run, the saved step for an interrupted one (SIGTERM) or one that
failed (an exception, a kill); for a diverged run, the step whose losses diverged. The
history lives in ``state/attempts.json`` (written atomically, beside the resumable state and
never inside it, so no time ever enters a checkpoint): an attempt is written when it starts,
after each state it saves (a periodic checkpoint, ``resume.pt``), and when it ends.

A process killed with SIGKILL (or by the OOM killer, a power cut) cannot record its end: the
next start finds its attempt still open and closes it as ``"failed"``, with ``to_step`` the step
of the state it resumes from and the wall time up to the attempt's last state write (the time
after that is unknown, and lost). A rerun that starts over (no state to resume, another data
fingerprint or configuration, ``--restart``) starts a new history. A rerun with nothing left to
train (a finished run run again) adds no attempt.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from ganrepro.io import write_json
from ganrepro.measure import cpu_name, now_utc

FILE = "attempts.json"
OUTCOMES = ("completed", "interrupted", "diverged", "failed")


def device_label(dev: torch.device) -> str:
    """``cpu`` or ``cuda:N`` (the index made explicit)."""
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        return f"cuda:{index}"
    return dev.type if dev.index is None else f"{dev.type}:{dev.index}"


def device_name(dev: torch.device) -> str:
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev) or "unknown CUDA device"
    return cpu_name()


class History:
    """The attempts of the run whose state is in ``state`` (a run folder's ``state/``).

    ``key`` (config hash, seed, data fingerprint) ties the file to the state it describes;
    ``resumed_step`` is the step of the state this process resumes from, None when it starts
    over (then the history starts over too). An attempt left open by a killed process is
    closed here as ``"failed"``.
    """

    def __init__(self, state: Path, key: dict, resumed_step: int | None, report=None):
        self.path = Path(state) / FILE
        self.key = key
        self.attempts: list[dict] = []
        self.current: dict | None = None
        self._t0 = 0.0
        if resumed_step is None:
            return
        try:
            saved = json.loads(self.path.read_text())
            if saved.get("key") == key:
                self.attempts = [dict(a) for a in saved["attempts"]]
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if report:
                report(f"{self.path}: unreadable ({type(exc).__name__}); earlier attempts lost")
        killed = [a for a in self.attempts if a.get("outcome") is None]
        for attempt in killed:  # its process was killed before it could end it
            attempt["outcome"] = "failed"
            attempt["to_step"] = resumed_step
        if killed:
            self.save()

    def start(self, t0: float, device: torch.device, from_step: int) -> None:
        """Open this process's attempt; ``t0`` is its ``time.perf_counter()`` at start."""
        self._t0 = t0
        self.current = {
            "started": now_utc(),
            "wall_time_s": 0.0,
            "device": device_label(device),
            "device_name": device_name(device),
            "from_step": from_step,
            "to_step": from_step,
            "outcome": None,  # open: the process has not ended (yet)
        }
        self.attempts.append(self.current)
        self.saved(from_step)

    def _tick(self, step: int) -> None:
        self.current["wall_time_s"] = round(time.perf_counter() - self._t0, 3)
        self.current["to_step"] = step

    def saved(self, step: int) -> None:
        """The process has just saved its state at ``step``."""
        if self.current is not None:
            self._tick(step)
            self.save()

    def end(self, outcome: str, to_step: int) -> None:
        """Close this process's attempt (nothing to close when it trained nothing)."""
        assert outcome in OUTCOMES, outcome
        if self.current is not None:
            self._tick(to_step)
            self.current["outcome"] = outcome
            self.current = None
            self.save()

    def save(self) -> None:
        write_json(self.path, {"key": self.key, "attempts": self.attempts})

    def summary(self) -> dict:
        """``train.json``'s ``attempts`` and ``compute`` (open attempts counted as they are)."""
        wall = sum(a["wall_time_s"] for a in self.attempts)
        return {
            "attempts": [dict(a) for a in self.attempts],
            "compute": {
                "attempts": len(self.attempts),
                "wall_time_s": round(wall, 3),
                "device_hours": round(wall / 3600, 6),
                "devices": sorted({a["device_name"] for a in self.attempts}),
            },
        }

"""Self-describing checkpoints, written atomically, loaded strictly.

A checkpoint holds the trainer's state (models, optimisers, sampler, snapshots...), the global
RNG states, the step, and the run's config and its hash. Nothing time- or machine-dependent goes
in, so the same params and seed give the same bytes on the CPU. Only tensors and plain values
go in (the config as a plain dict, RNG states as tensors), so every load uses
``weights_only=True``: a checkpoint from elsewhere cannot run code here.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ganrepro.io import DamagedFile, atomic_write, load_tensors

FORMAT = 1
FIX = (
    "delete it (a periodic one: the run's folder) and rerun the run's training "
    "(`ganrepro train RUN`, the workflow's train rule)"
)


class CheckpointMismatch(ValueError):
    """A checkpoint from a different configuration: resuming from it would mix two runs."""


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _canonical(obj: Any) -> Any:
    """A copy with every tensor on the CPU (checkpoints load anywhere) and every string
    interned: pickle writes a repeated object as a back-reference, so object identity must not
    depend on whether a state was built fresh or loaded from a checkpoint."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, str):
        return sys.intern(obj)
    if isinstance(obj, dict):
        return {_canonical(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_canonical(v) for v in obj)
    return obj


def save(path: str | os.PathLike, payload: dict) -> None:
    """Serialise first, then write atomically: a kill leaves the previous file intact."""
    buf = io.BytesIO()
    torch.save(_canonical({"format": FORMAT, **payload}), buf)
    atomic_write(path, lambda fh: fh.write(buf.getbuffer()))


def load(
    path: str | os.PathLike,
    expected_hash: str | None = None,
    map_location: str | torch.device = "cpu",
    run_id: str | None = None,
    purpose: str = "resume",
    rehearsal: bool | None = None,
) -> dict:
    """A checkpoint (tensors and plain values only). With ``expected_hash`` (and ``run_id``),
    one written by another run or configuration is refused: ``CheckpointMismatch`` saying
    which, and that it will not be used to ``purpose``; given ``rehearsal`` (whether the
    caller is the full-scale rehearsal), so is a rehearsal's checkpoint in a real run and the
    reverse, by name. A damaged or foreign file raises ``DamagedFile`` (``UnsafeFile`` if it
    could run code)."""
    ckpt = load_tensors(path, "checkpoint", FIX, map_location)
    if "format" not in ckpt:
        raise DamagedFile(path, "not a ganrepro checkpoint (no format field)", FIX)
    if ckpt["format"] != FORMAT:
        raise CheckpointMismatch(f"{path}: checkpoint format {ckpt['format']}, expected {FORMAT}")
    if expected_hash is not None:
        if "config_hash" not in ckpt or "run_id" not in ckpt:
            raise DamagedFile(path, "not a run's checkpoint (no run id or config hash)", FIX)
        if run_id is not None and ckpt["run_id"] != run_id:
            raise CheckpointMismatch(
                f"{path} is a checkpoint of {ckpt['run_id']}, not of {run_id}; refusing to "
                f"{purpose} from it. Pass {run_id}'s own checkpoint"
            )
        mismatch = _rehearsal_mismatch(ckpt, rehearsal)
        if mismatch:
            raise CheckpointMismatch(f"{path} {mismatch}; refusing to {purpose} from it")
        if ckpt["config_hash"] != expected_hash:
            raise CheckpointMismatch(
                f"{path} was written by a different configuration of {ckpt['run_id']} "
                f"(config hash {ckpt['config_hash']}, now {expected_hash}); refusing to "
                f"{purpose} from it. "
                + (
                    "Delete the run's folder (or use --restart) to start over"
                    if purpose == "resume"
                    else "Retrain the run with the current params"
                )
            )
    return ckpt


def _rehearsal_mismatch(ckpt: dict, rehearsal: bool | None) -> str | None:
    """Why a checkpoint may not serve the caller (a real run, or the rehearsal), or None."""
    steps = (ckpt.get("config") or {}).get("rehearsal") or 0
    if rehearsal is None or bool(steps) == rehearsal:
        return None
    if steps:
        return (
            f"is a REHEARSAL checkpoint (the full-scale rehearsal's, {steps} steps): a real run "
            "never reads it; pass the real run's checkpoint (results/full/...)"
        )
    return (
        "is a real run's checkpoint: the rehearsal never reads it; pass the rehearsal's own "
        "(results/rehearsal/...)"
    )


def periodic_path(out: Path, step: int) -> Path:
    return out / "ckpt" / f"step_{step:08d}.pt"


def periodic_checkpoints(out: Path) -> list[tuple[int, Path]]:
    """The periodic checkpoints of a run folder, by step."""
    return checkpoints_in(out / "ckpt")


def checkpoints_in(folder: Path) -> list[tuple[int, Path]]:
    """The periodic checkpoints in ``folder`` (a run's ``ckpt/``), by step."""
    return sorted((int(p.stem.split("_")[1]), p) for p in Path(folder).glob("step_*.pt"))


def newest_state(
    out: Path,
    expected_hash: str | None = None,
    report: Callable[[str], None] | None = None,
    rehearsal: bool | None = None,
) -> tuple[Path, dict] | None:
    """The newest state of a run folder that loads: ``resume.pt`` or a periodic checkpoint.

    A damaged file is skipped, with a line through ``report``, for the next newest; a state of
    another configuration is an error (``CheckpointMismatch``), never skipped. None when the
    folder holds no state; ``DamagedFile`` when it holds only damaged ones.
    """
    best, damaged = None, []

    def attempt(path: Path) -> dict | None:
        try:
            return load(path, expected_hash, rehearsal=rehearsal)
        except DamagedFile as exc:
            damaged.append(path)
            if report:
                report(f"{path}: {exc.problem}; skipping it")
            return None

    resume = out / "resume.pt"
    if resume.exists() and (state := attempt(resume)) is not None:
        best = (state["step"], resume, state)
    for step, path in reversed(periodic_checkpoints(out)):
        if best is not None and step <= best[0]:
            break
        if (state := attempt(path)) is not None:
            best = (step, path, state)
            break
    if best is None and damaged:
        raise DamagedFile(
            out,
            f"no saved training state loads ({len(damaged)} damaged)",
            "rerun with `ganrepro train --restart` to start over",
        )
    if best is not None and damaged and report:
        report(f"resuming from {best[1]} (step {best[0]}), the newest state that loads")
    return (best[1], best[2]) if best else None


def latest_resumable(out: Path) -> Path | None:
    """The newest of ``resume.pt`` and the periodic checkpoints that loads, if any."""
    found = newest_state(out)
    return found[0] if found else None

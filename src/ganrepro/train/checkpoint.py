"""Self-describing checkpoints, written atomically, loaded strictly.

A checkpoint holds the trainer's state (models, optimisers, sampler, snapshots...), the global
RNG states, the step, and the run's config and its hash. Nothing time- or machine-dependent goes
in, so the same params and seed give the same bytes on the CPU.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import torch

from ganrepro.io import atomic_write

FORMAT = 1


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
) -> dict:
    ckpt = torch.load(path, map_location=map_location, weights_only=False)
    if ckpt.get("format") != FORMAT:
        raise CheckpointMismatch(
            f"{path}: checkpoint format {ckpt.get('format')}, expected {FORMAT}"
        )
    if expected_hash is not None and ckpt["config_hash"] != expected_hash:
        raise CheckpointMismatch(
            f"{path} was written by a different configuration of {ckpt['run_id']} "
            f"(config hash {ckpt['config_hash']}, now {expected_hash}); refusing to resume. "
            "Delete the run's folder to start over."
        )
    return ckpt


def periodic_path(out: Path, step: int) -> Path:
    return out / "ckpt" / f"step_{step:08d}.pt"


def periodic_checkpoints(out: Path) -> list[tuple[int, Path]]:
    """The periodic checkpoints of a run folder, by step."""
    found = [(int(p.stem.split("_")[1]), p) for p in (out / "ckpt").glob("step_*.pt")]
    return sorted(found)


def latest_resumable(out: Path) -> Path | None:
    """The newest of ``resume.pt`` and the periodic checkpoints, if any."""
    candidates = periodic_checkpoints(out)
    resume = out / "resume.pt"
    if resume.exists():
        step = torch.load(resume, map_location="cpu", weights_only=False)["step"]
        candidates.append((step, resume))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None

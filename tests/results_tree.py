"""A synthetic results/ tree in the layout of ``ganrepro.layout``, made by hand (no training):
the files the figure, table and report commands read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from ganrepro import layout

SHARED = ("per_class", "class_names", "conditional", "step", "run_id", "config_hash")
PART_KEYS = {
    "samples": ("grid", "grid_y", "sample", "sample_y", "paired", "paired_y"),
    "interpolation": (
        "interpolation",
        "interpolation_y",
        "interpolation_steps",
        "interpolation_method",
    ),
    "cherry": ("cherry",),
}
STEPS = (0, 5, 10)  # the periodic checkpoints the metrics' curves hold


def hand_made(
    conditional: bool,
    run_id: str = "",
    config_hash: str = "",
    channels: int = 3,
    steps: int = 10,
    size: int = 32,
) -> dict[str, np.ndarray]:
    """Arrays with the keys and shapes of ``ganrepro.evaluate.visuals.sample_arrays``."""
    rng = np.random.default_rng(0)

    def images(n):
        return rng.integers(0, 256, (n, channels, size, size), dtype=np.uint8)

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


def parts(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """``arrays`` split into the files of ``layout.PARTS``, each with the shared keys."""
    return {part: {k: arrays[k] for k in (*keys, *SHARED)} for part, keys in PART_KEYS.items()}


def metrics_json(run_id: str, data: str, seed: int, fid: float = 50.0) -> dict:
    scores = {
        "fid": fid + seed,
        "is_mean": 2.0 + seed / 10,
        "is_std": 0.1,
        "kid_mean": 0.5,
        "kid_std": 0.1,
        "precision": 0.25,
        "recall": 0.125,
        "f_score": 0.2,
        "accuracy": 0.5,
        "class_accuracy": [0.1 * c for c in range(10)],
    }
    curve = [{"step": s, "classifier": {**scores, "fid": fid + 100 - 10 * s}} for s in STEPS]
    return {
        "run_id": run_id,
        "data": data,
        "status": "completed",
        "reason": None,
        "seed": seed,
        "step": STEPS[-1],
        "total_steps": STEPS[-1],
        "wall_time_s": 1.5,
        "images_per_s": 100.0,
        "final": {"classifier": scores, "white_fraction": 0.0},
        "final_test": {},
        "best": {
            "step": STEPS[1],
            "selected_by": "lowest train-split FID (classifier) over the periodic checkpoints",
            "final": {"classifier": {**scores, "fid": scores["fid"] - 1}},
            "final_test": {},
        },
        "final_draws": {"classifier": {"fid": [fid + seed, fid + seed + 0.5, fid + seed - 0.5]}},
        "curve": curve,
        "reference": {
            "classifier": {
                "train_is": [5.0, 0.1],
                "floor": {"train": {"fid": 1.25, "n": 500}, "test": {"fid": 1.5, "n": 300}},
            },
            "white_fraction": 0.0,
        },
        "protocol": {"n_samples": 500, "draws": 3},
        "losses": {},
    }


def train_json(seed: int) -> dict:
    """A summary of a run stopped once (SIGTERM) and resumed."""
    attempt = {"device": "cpu", "device_name": "a CPU", "started": "2026-01-01T00:00:00Z"}
    return {
        "status": "completed",
        "attempts": [
            {
                **attempt,
                "wall_time_s": 2.0 + seed,
                "from_step": 0,
                "to_step": 5,
                "outcome": "interrupted",
            },
            {**attempt, "wall_time_s": 3.0, "from_step": 5, "to_step": 10, "outcome": "completed"},
        ],
    }


LOG = "step,epoch,img_per_s,loss_d,loss_g,wdist,gap\n" + "".join(
    f"{s},{s / 10},100,{1 / s},{2 - 1 / s},{0.5 / s},{10 * s}\n" for s in range(1, 11)
)


def write_run(root: Path, params, run_id: str) -> None:
    """Every file a figure, table or the report reads of ``run_id``, for all of its seeds."""
    run = params.run(run_id)
    tree = layout.of(params)
    for k in range(params.seeds_for(run_id)):
        metrics = metrics_json(run_id, run.data, k)
        _write(root / tree.run_file(run_id, k, "metrics"), json.dumps(metrics))
        _write(root / tree.run_file(run_id, k, "log"), LOG)
        _write(root / tree.run_file(run_id, k, "summary"), json.dumps(train_json(k)))
    _write(root / tree.run_file(run_id, 0, "config"), f"id: {run_id}\n")
    preview = root / tree.run_file(run_id, 0, "preview")
    Image.fromarray(np.full((8, 8, 3), 128, np.uint8)).save(preview)
    conditional = run.model.conditional or run.objective.ac is not None
    arrays = hand_made(conditional, run.id, run.hash(), size=8)
    for part, values in parts(arrays).items():
        np.savez(root / tree.run_file(run_id, 0, part), **values)
    grids = root / tree.run_file(run_id, 0, "grids")
    grids.mkdir()
    for s in STEPS[1:]:
        Image.fromarray(np.full((8, 8, 3), 20 * s, np.uint8)).save(grids / f"step_{s}.png")


def write_dataset(root: Path, name: str, tree: layout.Tree) -> Path:
    """A prepared dataset of 100 labelled 8x8 images (10 per class), as ``data prepare``
    writes them."""
    meta = {"name": name, "kind": "standin", "description": f"{name}, by hand", "n_classes": 10}
    path = root / tree.data(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    x = np.random.default_rng(1).integers(0, 256, (100, 3, 8, 8), dtype=np.uint8)
    np.savez(path, meta=np.array(json.dumps(meta)), train_x=x, train_y=np.arange(100) % 10)
    return path


def write_tree(root: Path, params, run_ids=None) -> None:
    """The run files of ``run_ids`` (default: every run) and every dataset of ``params``."""
    for run_id in params.runs if run_ids is None else run_ids:
        write_run(root, params, run_id)
    for name in params.data_names():
        write_dataset(root, name, layout.of(params))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)

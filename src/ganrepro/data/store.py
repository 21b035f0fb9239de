"""Prepare a dataset once into ``results/data/{name}.npz``; load it back as uint8 arrays."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganrepro.config.types import DatasetsConfig
from ganrepro.data import real, standins
from ganrepro.data.download import download
from ganrepro.data.registry import DATASETS, DatasetSpec
from ganrepro.io import atomic_open, reading
from ganrepro.registry import UnknownName

FIX = "delete it and rerun `ganrepro data prepare` (the workflow's prepare_data rule)"


@dataclass(frozen=True)
class Dataset:
    """One split set in memory. ``x``: (N, C, 32, 32) uint8; ``y``: (N,) int64 or None."""

    name: str
    x: np.ndarray
    y: np.ndarray | None
    n_classes: int
    meta: dict


def build(spec: DatasetSpec, settings: DatasetsConfig, raw_dir: Path) -> real.Splits:
    if spec.name == "digits":
        return standins.make_digits(settings.digits_test_fraction)
    if spec.name == "photos":
        return standins.make_photos(settings.photos_per_class, settings.photos_test_fraction)
    files = {f.filename: download(f, raw_dir / spec.name) for f in spec.files}
    if spec.name == "mnist":
        return real.decode_mnist(files)
    if spec.name == "cifar10":
        return real.decode_cifar10(files)
    if spec.name == "stl10":
        return real.decode_stl10(files, unlabeled=settings.stl10_unlabeled)
    raise UnknownName(f"no builder for dataset {spec.name!r}")


def check(spec: DatasetSpec, splits: real.Splits) -> None:
    """Shapes, dtypes and label ranges every consumer relies on."""
    for split, (x, y) in splits.items():
        if x.dtype != np.uint8 or x.shape[1:] != (spec.channels, 32, 32):
            raise ValueError(
                f"{spec.name}/{split}: got {x.dtype} {x.shape}, "
                f"expected uint8 (N, {spec.channels}, 32, 32)"
            )
        if y is not None and (len(y) != len(x) or y.min() < 0 or y.max() >= spec.n_classes):
            raise ValueError(f"{spec.name}/{split}: labels do not match the images")


# the dataset settings (params.yaml's datasets.*) each dataset is built with: the job table
# reruns a dataset's preparation when one of its own changes
SETTINGS = {
    "digits": ("digits_test_fraction",),
    "photos": ("photos_per_class", "photos_test_fraction"),
    "stl10": ("stl10_unlabeled",),
}


def prepare(name: str, out: str | Path, settings: DatasetsConfig, raw_dir: str | Path) -> Path:
    """Download (real datasets) or build (stand-ins) ``name`` and write it atomically to ``out``."""
    spec = DATASETS[name]
    splits = build(spec, settings, Path(raw_dir))
    check(spec, splits)
    meta = {
        "name": spec.name,
        "kind": "real" if spec.real else "standin",
        "description": spec.description,
        "channels": spec.channels,
        "n_classes": spec.n_classes,
        "splits": {s: len(x) for s, (x, _) in splits.items()},
        "settings": {k: getattr(settings, k) for k in SETTINGS.get(name, ())},
    }
    arrays = {"meta": np.array(json.dumps(meta, sort_keys=True))}
    for split, (x, y) in splits.items():
        arrays[f"{split}_x"] = x
        if y is not None:
            arrays[f"{split}_y"] = y
    with atomic_open(out) as fh:
        np.savez(fh, **arrays)
    return Path(out)


def load(path: str | Path, splits: tuple[str, ...] = ("train",)) -> Dataset:
    """The concatenation of ``splits`` of a prepared dataset."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: dataset not prepared (run `ganrepro data prepare`)")
    with reading(path, "prepared dataset", FIX, keep=(UnknownName,)), np.load(path) as z:
        meta = json.loads(str(z["meta"]))
        missing = [s for s in splits if f"{s}_x" not in z]
        if missing:
            raise UnknownName(
                f"{path} has no split {missing[0]!r} (has: {', '.join(meta['splits'])})"
            )
        x = np.concatenate([z[f"{s}_x"] for s in splits])
        labelled = all(f"{s}_y" in z for s in splits)
        y = np.concatenate([z[f"{s}_y"] for s in splits]) if labelled else None
        return Dataset(meta["name"], x, y, meta["n_classes"], meta)

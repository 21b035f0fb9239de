"""Prepare a dataset once into ``results/{tree}/data/{name}.npz``; load it back as uint8 arrays.

A real dataset's archives come from the registry's URLs, or from a mirror (a URL prefix or a
folder: ``{mirror}/{dataset}/{filename}``), and are checked against the registry's md5s, or a
manifest's. The npz's ``meta`` records the md5 of every archive it was decoded from
(``archives``) and whether they were rehearsal archives (``rehearsal``: a manifest of kind
"rehearsal", as ``ganrepro.data.synthetic`` writes: the real formats, not the real data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganrepro.config.types import DatasetsConfig
from ganrepro.data import real, standins
from ganrepro.data.download import Manifest, load_manifest, obtain
from ganrepro.data.registry import DATASETS, DatasetSpec, RemoteFile
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


def _manifest(manifest: str | Path | Manifest | None) -> Manifest | None:
    if manifest is None or isinstance(manifest, Manifest):
        return manifest
    return load_manifest(manifest)


def archives(spec: DatasetSpec, manifest: str | Path | Manifest | None = None) -> dict[str, str]:
    """{filename: expected md5} of a dataset's archives: the manifest's, or the registry's."""
    manifest = _manifest(manifest)
    if manifest is None:
        return {f.filename: f.md5 for f in spec.files}
    return {f.filename: manifest.md5(spec.name, f.filename) for f in spec.files}


def build(
    spec: DatasetSpec,
    settings: DatasetsConfig,
    raw_dir: Path,
    mirror: str | Path | None = None,
    manifest: str | Path | Manifest | None = None,
) -> real.Splits:
    """A dataset's splits: a stand-in built, or a real dataset's archives obtained in
    ``raw_dir/{name}`` (from ``mirror`` if given; md5s from ``manifest`` if given) and decoded."""
    if spec.name == "digits":
        return standins.make_digits(settings.digits_test_fraction)
    if spec.name == "photos":
        return standins.make_photos(settings.photos_per_class, settings.photos_test_fraction)
    manifest = _manifest(manifest)
    md5s = archives(spec, manifest)  # every md5 first: a manifest lacking one fails at once
    md5_from = f"the manifest {manifest.path}" if manifest else None
    files = {
        f.filename: obtain(
            RemoteFile(f.url, f.filename, md5s[f.filename]),
            Path(raw_dir) / spec.name,
            spec.name,
            mirror=mirror,
            md5_from=md5_from,
        )
        for f in spec.files
    }
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


def prepare(
    name: str,
    out: str | Path,
    settings: DatasetsConfig,
    raw_dir: str | Path | None = None,
    mirror: str | Path | None = None,
    manifest: str | Path | None = None,
) -> Path:
    """Download (real datasets) or build (stand-ins) ``name`` and write it atomically to ``out``.

    ``mirror``: where the archives come from instead of the registry's URLs, a URL prefix or a
    folder, as ``{mirror}/{name}/{filename}``. ``manifest``: a manifest.json whose md5s replace
    the registry's. Both are ignored for stand-ins. On any error ``out`` is left as it was."""
    spec = DATASETS[name]
    found = _manifest(manifest) if spec.real else None
    if spec.real and raw_dir is None:
        raise ValueError(f"{name} is downloaded: give raw_dir (results/{{tree}}/raw)")
    splits = build(spec, settings, Path(raw_dir or "."), mirror, found)
    check(spec, splits)
    rehearsal = found is not None and found.rehearsal
    meta = {
        "name": spec.name,
        "kind": "real" if spec.real else "standin",
        "description": spec.description,
        "channels": spec.channels,
        "n_classes": spec.n_classes,
        "splits": {s: len(x) for s, (x, _) in splits.items()},
        "settings": {k: getattr(settings, k) for k in SETTINGS.get(name, ())},
        "archives": archives(spec, found),
        "rehearsal": rehearsal,
    }
    arrays = {"meta": np.array(json.dumps(meta, sort_keys=True))}
    for split, (x, y) in splits.items():
        arrays[f"{split}_x"] = x
        if y is not None:
            arrays[f"{split}_y"] = y
    with atomic_open(out) as fh:
        np.savez(fh, **arrays)
    return Path(out)


class RehearsalData(ValueError):
    """A real run was given a dataset prepared from the rehearsal's synthetic archives."""


def load(
    path: str | Path, splits: tuple[str, ...] = ("train",), rehearsal: bool | None = None
) -> Dataset:
    """The concatenation of ``splits`` of a prepared dataset. ``rehearsal=False`` (a real
    run) refuses one made from the rehearsal's synthetic archives, by name (the rehearsal
    itself may use real data: a cluster rehearsal)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: dataset not prepared (run `ganrepro data prepare`)")
    with (
        reading(path, "prepared dataset", FIX, keep=(UnknownName, RehearsalData)),
        np.load(path) as z,
    ):
        meta = json.loads(str(z["meta"]))
        missing = [s for s in splits if f"{s}_x" not in z]
        if missing:
            raise UnknownName(
                f"{path} has no split {missing[0]!r} (has: {', '.join(meta['splits'])})"
            )
        if rehearsal is False and meta.get("rehearsal"):
            raise RehearsalData(
                f"{path} was prepared from the REHEARSAL's synthetic archives (the real format, "
                "not the real data): a real run never reads it; prepare the real dataset "
                f"(`ganrepro data prepare {meta['name']} --scale full`)"
            )
        x = np.concatenate([z[f"{s}_x"] for s in splits])
        labelled = all(f"{s}_y" in z for s in splits)
        y = np.concatenate([z[f"{s}_y"] for s in splits]) if labelled else None
        return Dataset(meta["name"], x, y, meta["n_classes"], meta)

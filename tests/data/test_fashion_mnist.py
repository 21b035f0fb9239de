"""Real archives in MNIST's format: Debian's dataset-fashion-mnist package (Fashion-MNIST,
60,000 + 10,000 images as gzip'd IDX files) through the real decoder and the mirror-folder path.

scripts/test.sh installs the package (as root, with apt-get); CI runs as root, so this test
fails rather than skips when the files are missing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ganrepro.config.types import DatasetsConfig
from ganrepro.data import real
from ganrepro.data.download import md5sum
from ganrepro.data.store import load, prepare

FOLDER = Path("/usr/share/datasets/fashion-mnist")
# MNIST's name for each of Debian's files (the same names today; mapped should they differ)
NAMES = {
    "train-images-idx3-ubyte.gz": "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz": "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz": "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz": "t10k-labels-idx1-ubyte.gz",
}
SETTINGS = DatasetsConfig(
    photos_per_class=10, digits_test_fraction=0.2, photos_test_fraction=0.2, stl10_unlabeled=False
)


@pytest.fixture(scope="module")
def fashion() -> dict[str, Path]:
    """{MNIST's file name: Debian's file}."""
    missing = [str(FOLDER / debian) for debian in NAMES if not (FOLDER / debian).is_file()]
    if missing:
        pytest.fail(
            f"Debian's dataset-fashion-mnist is not installed ({missing[0]} is missing): run "
            "`apt-get install dataset-fashion-mnist` as root (scripts/test.sh does so)",
            pytrace=False,
        )
    return {mnist: FOLDER / debian for debian, mnist in NAMES.items()}


def test_the_real_decoder_reads_fashion_mnist(fashion):
    splits = real.decode_mnist(fashion)
    for split, n in (("train", 60_000), ("test", 10_000)):
        x, y = splits[split]
        assert x.shape == (n, 1, 32, 32) and x.dtype == np.uint8
        assert y.dtype == np.int64 and y.min() == 0 and y.max() == 9
        assert (np.bincount(y, minlength=10) == n // 10).all()  # Fashion-MNIST is balanced
        assert x[:, :, :2].max() == x[:, :, 30:].max() == 0  # the zero padding
        assert x[:, :, :, :2].max() == x[:, :, :, 30:].max() == 0
        assert x[:, :, 2:30, 2:30].max() == 255  # real pictures inside it


def test_prepared_from_a_mirror_folder_with_a_manifest(fashion, tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "mnist").mkdir(parents=True)
    files = {}
    for mnist, path in fashion.items():
        (mirror / "mnist" / mnist).symlink_to(path)
        files[f"mnist/{mnist}"] = {"md5": md5sum(path), "bytes": path.stat().st_size}
    manifest = mirror / "manifest.json"
    manifest.write_text(json.dumps({"kind": "fashion-mnist", "files": files}))
    out = prepare(
        "mnist",
        tmp_path / "mnist.npz",
        SETTINGS,
        raw_dir=tmp_path / "raw",
        mirror=mirror,
        manifest=manifest,
    )
    ds = load(out, ("train", "test"))
    assert ds.x.shape == (70_000, 1, 32, 32) and ds.meta["splits"] == {
        "train": 60_000,
        "test": 10_000,
    }
    assert ds.meta["rehearsal"] is False  # real archives: a manifest of another kind
    assert ds.meta["archives"] == {m: files[f"mnist/{m}"]["md5"] for m in NAMES.values()}
    for mnist in fashion:  # copies, not links, verified
        copy = tmp_path / "raw" / "mnist" / mnist
        assert not copy.is_symlink() and md5sum(copy) == files[f"mnist/{mnist}"]["md5"]

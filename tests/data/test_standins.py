"""The offline stand-ins: shapes, dtype, classes, determinism, and the CLI that makes them."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest

from ganrepro.config.types import DatasetsConfig
from ganrepro.data import DATASETS
from ganrepro.data.store import load

SETTINGS = DatasetsConfig(
    photos_per_class=40, digits_test_fraction=0.2, photos_test_fraction=0.25, stl10_unlabeled=False
)


@pytest.mark.parametrize(("name", "channels"), [("digits", 1), ("photos", 3)])
def test_cli_prepares_a_standin(root, tmp_path, name, channels):
    out = tmp_path / f"{name}.npz"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "ganrepro.cli",
            "data",
            "prepare",
            name,
            "--out",
            str(out),
            "--params",
            str(root / "params.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    ds = load(out, ("train", "test"))
    assert ds.x.dtype == np.uint8 and ds.x.shape[1:] == (channels, 32, 32)
    assert sorted(set(ds.y.tolist())) == list(range(10))
    assert ds.meta["kind"] == "standin" and ds.n_classes == 10
    assert ds.x.std() > 20  # real images, not a constant
    train, test = load(out, ("train",)), load(out, ("test",))
    assert len(train.x) + len(test.x) == len(ds.x) and len(test.x) > 0


@pytest.mark.parametrize("name", ["digits", "photos"])
def test_standins_are_deterministic_and_stratified(name):
    from ganrepro.data.store import build

    a, b = build(DATASETS[name], SETTINGS, None), build(DATASETS[name], SETTINGS, None)
    for split in ("train", "test"):
        assert (
            hashlib.sha256(a[split][0].tobytes()).digest()
            == hashlib.sha256(b[split][0].tobytes()).digest()
        )
        np.testing.assert_array_equal(a[split][1], b[split][1])
    counts = np.bincount(a["test"][1], minlength=10) / np.bincount(
        np.concatenate([a["train"][1], a["test"][1]]), minlength=10
    )
    frac = SETTINGS.digits_test_fraction if name == "digits" else SETTINGS.photos_test_fraction
    assert np.allclose(counts, frac, atol=0.02)


def test_photo_classes_differ():
    from ganrepro.data.store import build

    x, y = build(DATASETS["photos"], SETTINGS, None)["train"]
    means = np.stack([x[y == c].reshape((y == c).sum(), -1).mean(0) for c in range(10)])
    dists = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert dists[~np.eye(10, dtype=bool)].min() > 100  # ten visibly different sources


def test_unknown_dataset_is_one_line_and_exit_2(root, tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "ganrepro.cli",
            "data",
            "prepare",
            "svhn",
            "--out",
            str(tmp_path / "x.npz"),
            "--params",
            str(root / "params.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert res.stderr.strip() == (
        "ganrepro data prepare: error: unknown dataset 'svhn' "
        "(known: mnist, cifar10, stl10, digits, photos)"
    )
    assert not (tmp_path / "x.npz").exists()

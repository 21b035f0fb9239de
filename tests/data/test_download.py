"""The real download and decode code against archives in each real format, served locally."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ganrepro.config.types import DatasetsConfig
from ganrepro.data import DATASETS
from ganrepro.data.download import ChecksumError, DownloadError, download
from ganrepro.data.real import downsample3
from ganrepro.data.registry import RemoteFile
from ganrepro.data.store import build, check, load, prepare

from .archives import cifar10_archive, md5, mnist_files, stl10_archive
from .server import FileServer

SETTINGS = DatasetsConfig(
    photos_per_class=10, digits_test_fraction=0.2, photos_test_fraction=0.2, stl10_unlabeled=True
)


@pytest.fixture
def server():
    with FileServer() as srv:
        yield srv


def _serve(server, spec_name: str, files: dict[str, bytes]):
    """The registry's spec with its URLs and md5s pointed at the local server."""
    server.files.update(files)
    remote = tuple(RemoteFile(server.url + name, name, md5(data)) for name, data in files.items())
    return dataclasses.replace(DATASETS[spec_name], files=remote)


def test_mnist_download_and_decode(server, tmp_path):
    files = mnist_files(np.random.default_rng(0))
    spec = _serve(server, "mnist", {k: v[0] for k, v in files.items()})
    splits = build(spec, SETTINGS, tmp_path)
    check(spec, splits)
    x, y = splits["train"]
    assert x.shape == (30, 1, 32, 32) and x.dtype == np.uint8
    np.testing.assert_array_equal(x[:, 0, 2:30, 2:30], files["train-images-idx3-ubyte.gz"][1]["x"])
    assert x[:, :, :2].sum() == 0 and x[:, :, :, 30:].sum() == 0  # zero padding
    np.testing.assert_array_equal(y, files["train-labels-idx1-ubyte.gz"][1]["y"])
    assert splits["test"][0].shape == (10, 1, 32, 32)


def test_cifar10_download_and_decode(server, tmp_path):
    data, truth = cifar10_archive(np.random.default_rng(1))
    spec = _serve(server, "cifar10", {"cifar-10-python.tar.gz": data})
    splits = build(spec, SETTINGS, tmp_path)
    x, y = splits["train"]
    assert x.shape == (40, 3, 32, 32)
    np.testing.assert_array_equal(x[:8].reshape(8, -1), truth["train"][0][0])
    assert y.tolist() == sum((b[1] for b in truth["train"]), [])
    np.testing.assert_array_equal(splits["test"][0].reshape(8, -1), truth["test"][0][0])


def test_stl10_download_decode_and_antialiased_resize(server, tmp_path):
    data, truth = stl10_archive(np.random.default_rng(2))
    spec = _serve(server, "stl10", {"stl10_binary.tar.gz": data})
    splits = build(spec, SETTINGS, tmp_path)
    check(spec, splits)
    x, y = splits["train"]
    img = truth["train"]["x"].astype(np.float64)
    # pixel (i, j) of the 32x32 image is the rounded mean of the 3x3 block it covers
    expect = np.floor(img[:, :, 3:6, 6:9].mean(axis=(2, 3)) + 0.5)
    np.testing.assert_array_equal(x[:, :, 1, 2], expect)
    np.testing.assert_array_equal(y, truth["train"]["y"].astype(np.int64) - 1)
    assert splits["unlabeled"][1] is None and splits["unlabeled"][0].shape == (3, 3, 32, 32)


def test_downsample3_of_a_constant_block_is_that_constant():
    x = np.full((1, 3, 96, 96), 7, np.uint8)
    assert (downsample3(x) == 7).all()


def test_corrupted_archive_fails_the_checksum_and_leaves_nothing(server, tmp_path):
    good = b"x" * 5000
    server.files["a.bin"] = good[:-1] + b"y"  # one byte differs
    remote = RemoteFile(server.url + "a.bin", "a.bin", md5(good))
    with pytest.raises(ChecksumError, match="does not match the expected"):
        download(remote, tmp_path, backoff=0)
    assert list(tmp_path.iterdir()) == []  # no partial file, no final file


def test_dropped_connection_is_retried_and_resumed(server, tmp_path):
    data = bytes(range(256)) * 4000  # 1 MB
    server.files["big.bin"] = data
    server.drop_first.add("big.bin")
    remote = RemoteFile(server.url + "big.bin", "big.bin", md5(data))
    path = download(remote, tmp_path, backoff=0)
    assert path.read_bytes() == data
    assert len(server.requests) == 2
    assert server.requests[1][1] == f"bytes={len(data) // 2}-"  # resumed, not restarted
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.bin"]


def test_offline_fails_with_what_to_download_and_where(tmp_path):
    remote = RemoteFile(
        "http://127.0.0.1:9/cifar-10-python.tar.gz",
        "cifar-10-python.tar.gz",
        "c58f30108f718f92721af3b95e74349a",
    )
    with pytest.raises(DownloadError) as err:
        download(remote, tmp_path / "cifar10", retries=2, backoff=0)
    msg = str(err.value)
    assert "http://127.0.0.1:9/cifar-10-python.tar.gz" in msg
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in msg
    assert "md5 c58f30108f718f92721af3b95e74349a" in msg
    assert not (tmp_path / "cifar10").exists() or not any((tmp_path / "cifar10").iterdir())


def test_a_predownloaded_copy_is_used_without_network(tmp_path):
    data, _ = cifar10_archive(np.random.default_rng(3))
    (tmp_path / "cifar10").mkdir()
    (tmp_path / "cifar10" / "cifar-10-python.tar.gz").write_bytes(data)
    spec = dataclasses.replace(
        DATASETS["cifar10"],
        files=(RemoteFile("http://127.0.0.1:9/unreachable", "cifar-10-python.tar.gz", md5(data)),),
    )
    assert build(spec, SETTINGS, tmp_path)["train"][0].shape == (40, 3, 32, 32)


def test_a_bad_predownloaded_copy_is_reported_not_used(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"wrong")
    with pytest.raises(ChecksumError, match="exists but its md5 is"):
        download(RemoteFile("http://127.0.0.1:9/a.bin", "a.bin", md5(b"right")), tmp_path)
    assert (tmp_path / "a.bin").read_bytes() == b"wrong"  # the user's file is left alone


def test_prepare_writes_one_npz_and_load_reads_it_back(server, tmp_path, monkeypatch):
    data, truth = cifar10_archive(np.random.default_rng(4))
    spec = _serve(server, "cifar10", {"cifar-10-python.tar.gz": data})
    monkeypatch.setitem(DATASETS, "cifar10", spec)
    out = prepare("cifar10", tmp_path / "data" / "cifar10.npz", SETTINGS, raw_dir=tmp_path / "raw")
    ds = load(out, ("train", "test"))
    assert ds.x.shape == (48, 3, 32, 32) and ds.y.shape == (48,)
    assert ds.meta["kind"] == "real" and ds.meta["splits"] == {"train": 40, "test": 8}
    assert [p.name for p in out.parent.iterdir()] == ["cifar10.npz"]  # no temp file left


def test_downsample3_is_the_block_mean_rounded_half_up():
    x = np.random.default_rng(5).integers(0, 256, (50, 3, 96, 96), dtype=np.uint8)
    blocks = x.reshape(50, 3, 32, 3, 32, 3).mean(axis=(3, 5), dtype=np.float64)
    np.testing.assert_array_equal(downsample3(x), np.floor(blocks + 0.5).astype(np.uint8))

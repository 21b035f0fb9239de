"""Full-size rehearsal archives (the real formats and labelled-split sizes) through the real
download and decode code: served on 127.0.0.1 or copied from a mirror folder, md5-checked
against the generator's manifest; and every bad input as one line that loses nothing."""

from __future__ import annotations

import gzip
import json
import shutil
import struct
import tarfile

import numpy as np
import pytest

from ganrepro.config.types import DatasetsConfig
from ganrepro.data import real, synthetic
from ganrepro.data.download import ChecksumError, DamagedArchive, DownloadError, md5sum
from ganrepro.data.serve import serve
from ganrepro.data.store import load, prepare

SETTINGS = DatasetsConfig(
    photos_per_class=10, digits_test_fraction=0.2, photos_test_fraction=0.2, stl10_unlabeled=True
)
SIZES = {"mnist": (60_000, 10_000), "cifar10": (50_000, 10_000), "stl10": (5_000, 8_000)}
MNIST_FILES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


class Requests:
    """A fault hook for ``serve``: records every GET; cuts the first response of each path in
    ``cut_first`` after half the file."""

    def __init__(self, folder, cut_first=()):
        self.folder, self.cut, self.seen = folder, set(cut_first), []

    def __call__(self, path, range_header):
        self.seen.append((path, range_header))
        if path in self.cut:
            self.cut.discard(path)
            return (self.folder / path).stat().st_size // 2
        return None


def _expected(name: str, x: np.ndarray) -> np.ndarray:
    """What the decoder must make of the drawn images: MNIST padded, STL-10 reduced by 3."""
    if name == "mnist":
        return np.pad(x, ((0, 0), (2, 2), (2, 2)))[:, None]
    if name == "stl10":
        return np.concatenate([real.downsample3(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    return x


def _check_prepared(out, name, rehearsal) -> None:
    manifest = rehearsal.manifest
    for split, n in zip(("train", "test"), SIZES[name], strict=True):
        ds = load(out, (split,))
        x, y = rehearsal.drawn[name][split]
        assert ds.x.shape[0] == n == len(ds.y)
        np.testing.assert_array_equal(ds.y, y)
        np.testing.assert_array_equal(ds.x, _expected(name, x))
        counts = np.bincount(ds.y, minlength=10)
        if name == "mnist":
            assert counts.sum() == n and counts.min() > 0.08 * n  # real MNIST: 9-11% each
        else:
            assert (counts == n // 10).all()  # CIFAR-10 and STL-10 are balanced
    assert ds.meta["rehearsal"] is True and ds.meta["kind"] == "real"
    assert ds.meta["archives"] == {
        key.split("/")[1]: entry["md5"]
        for key, entry in manifest["files"].items()
        if key.startswith(f"{name}/")
    }


def test_the_manifest_lists_every_archive_with_its_md5_and_size(rehearsal):
    manifest = json.loads((rehearsal.folder / "manifest.json").read_text())
    assert manifest == rehearsal.manifest
    assert manifest["kind"] == "rehearsal" and manifest["seed"] == 0
    assert sorted(manifest["files"]) == sorted(
        [f"mnist/{f}" for f in MNIST_FILES]
        + ["cifar10/cifar-10-python.tar.gz", "stl10/stl10_binary.tar.gz"]
    )
    for key, entry in manifest["files"].items():  # the md5s: checked by every prepare below
        assert entry["bytes"] == (rehearsal.folder / key).stat().st_size
    assert manifest["files"]["mnist/t10k-labels-idx1-ubyte.gz"]["md5"] == md5sum(
        rehearsal.folder / "mnist" / "t10k-labels-idx1-ubyte.gz"
    )
    print(f"rehearsal archives written in {rehearsal.seconds:.1f} s")


def test_mnist_served_dropped_resumed_and_prepared(rehearsal, tmp_path):
    cut = "mnist/train-images-idx3-ubyte.gz"
    hook = Requests(rehearsal.folder, cut_first=[cut])
    with serve(rehearsal.folder, fault=hook) as url:
        out = prepare(
            "mnist",
            tmp_path / "mnist.npz",
            SETTINGS,
            raw_dir=tmp_path / "raw",
            mirror=url,
            manifest=rehearsal.folder / "manifest.json",
        )
    half = (rehearsal.folder / cut).stat().st_size // 2
    assert hook.seen[:2] == [(cut, None), (cut, f"bytes={half}-")]  # resumed, not restarted
    assert [p for p, _ in hook.seen[2:]] == [f"mnist/{f}" for f in MNIST_FILES[1:]]
    assert sorted(p.name for p in (tmp_path / "raw" / "mnist").iterdir()) == sorted(MNIST_FILES)
    _check_prepared(out, "mnist", rehearsal)
    x = load(out, ("train",)).x
    assert x[:, :, :2].max() == x[:, :, 30:].max() == x[:, :, :, :2].max() == 0


def test_cifar10_served_and_prepared(rehearsal, tmp_path):
    hook = Requests(rehearsal.folder)
    with serve(rehearsal.folder, fault=hook) as url:
        out = prepare(
            "cifar10",
            tmp_path / "cifar10.npz",
            SETTINGS,
            raw_dir=tmp_path / "raw",
            mirror=url,
            manifest=rehearsal.folder / "manifest.json",
        )
    assert hook.seen == [("cifar10/cifar-10-python.tar.gz", None)]
    _check_prepared(out, "cifar10", rehearsal)


def test_stl10_from_a_mirror_folder(rehearsal, tmp_path):
    out = prepare(
        "stl10",
        tmp_path / "stl10.npz",
        SETTINGS,
        raw_dir=tmp_path / "raw",
        mirror=rehearsal.folder,
        manifest=rehearsal.folder / "manifest.json",
    )
    _check_prepared(out, "stl10", rehearsal)
    unlabeled = load(out, ("unlabeled",))
    assert unlabeled.y is None
    np.testing.assert_array_equal(
        unlabeled.x, _expected("stl10", rehearsal.drawn["stl10"]["unlabeled"][0])
    )
    assert [p.name for p in (tmp_path / "raw" / "stl10").iterdir()] == ["stl10_binary.tar.gz"]


def test_the_images_carry_their_class(rehearsal):
    """A nearest-centroid classifier on 4x4-pooled pixels learns every dataset (chance: 10%)."""

    def features(x, k):
        x = x.astype(np.float32).reshape(len(x), -1, x.shape[-2], x.shape[-1])
        n, c, h, w = x.shape
        return x.reshape(n, c, h // k, k, w // k, k).mean((3, 5)).reshape(n, -1)

    for name, k in (("mnist", 4), ("cifar10", 4), ("stl10", 12)):
        (x, y), (xt, yt) = rehearsal.drawn[name]["train"], rehearsal.drawn[name]["test"]
        f, ft = features(x[:3000], k), features(xt[:1000], k)
        centroids = np.stack([f[y[:3000] == c].mean(0) for c in range(10)])
        guess = ((ft[:, None] - centroids[None]) ** 2).sum(-1).argmin(1)
        assert (guess == yt[:1000]).mean() > 0.4, name


def test_archive_layouts_match_the_real_ones(rehearsal):
    """Member names and the pickles' and binaries' layout, as the real archives have them."""
    names, pickles = [], {}
    with tarfile.open(rehearsal.folder / "cifar10" / "cifar-10-python.tar.gz", "r|gz") as tar:
        for member in tar:  # one pass over the stream
            names.append(member.name)
            if member.name.endswith(("batches.meta", "data_batch_1")):
                pickles[member.name.split("/")[1]] = real._ArrayUnpickler(
                    tar.extractfile(member), encoding="bytes"
                ).load()
    assert names == ["cifar-10-batches-py"] + [
        f"cifar-10-batches-py/{m}"
        for m in [f"data_batch_{i}" for i in range(1, 6)]
        + ["test_batch", "batches.meta", "readme.html"]
    ]
    meta, batch = pickles["batches.meta"], pickles["data_batch_1"]
    assert meta[b"label_names"][0] == b"airplane" and meta[b"num_cases_per_batch"] == 10000
    assert meta[b"num_vis"] == 3072
    assert set(batch) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert batch[b"data"].dtype == np.uint8 and batch[b"data"].shape == (10000, 3072)
    assert isinstance(batch[b"labels"], list) and batch[b"batch_label"] == b"training batch 1 of 5"
    drawn = rehearsal.drawn["cifar10"]["train"][0][:10000]
    np.testing.assert_array_equal(batch[b"data"][:, :1024].reshape(-1, 32, 32), drawn[:, 0])
    for name in MNIST_FILES:
        with gzip.open(rehearsal.folder / "mnist" / name) as fh:
            magic, n = struct.unpack(">II", fh.read(8))
        assert magic == (0x803 if "images" in name else 0x801)
        assert n == SIZES["mnist"][0 if name.startswith("train") else 1]
    with open(rehearsal.folder / "stl10" / "stl10_binary.tar.gz", "rb") as fh:
        assert fh.read(10)[4:8] == b"\0\0\0\0"  # gzip mtime 0: reproducible bytes


# -- bad input: one line naming the file and the fix; nothing produced before is lost --------


@pytest.fixture
def mnist_mirror(rehearsal, tmp_path):
    """A copy of the MNIST rehearsal files and the generator's manifest, to damage."""
    folder = tmp_path / "mirror"
    shutil.copytree(rehearsal.folder / "mnist", folder / "mnist")
    shutil.copy(rehearsal.folder / "manifest.json", folder / "manifest.json")
    return folder


@pytest.fixture
def previous(tmp_path):
    """A previous good dataset at ``out``: it must come out of every failure as it was."""
    out = tmp_path / "data" / "mnist.npz"
    out.parent.mkdir()
    out.write_bytes(b"the previous good npz")
    return out


def _fails(exc_type, out, raw, **kwargs) -> str:
    with pytest.raises(exc_type) as err:
        prepare("mnist", out, SETTINGS, raw_dir=raw, **kwargs)
    msg = str(err.value)
    assert "\n" not in msg
    assert out.read_bytes() == b"the previous good npz"
    assert not list(raw.rglob("*.part")) and not list(out.parent.glob(".*.tmp"))
    return msg


def _write_manifest(folder, files: dict[str, bytes | None], kind="rehearsal"):
    """A manifest of the files under ``folder`` named in ``files``; None: the file as it is."""
    entries = {}
    for key, data in files.items():
        path = folder / key
        if data is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        entries[key] = {"md5": md5sum(path), "bytes": path.stat().st_size}
    (folder / "manifest.json").write_text(json.dumps({"kind": kind, "files": entries}))
    return folder / "manifest.json"


def test_a_download_that_differs_from_the_manifest(mnist_mirror, previous, tmp_path):
    bad = mnist_mirror / "mnist" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 1  # one bit
    bad.write_bytes(bytes(data))
    with serve(mnist_mirror) as url:
        msg = _fails(
            ChecksumError,
            previous,
            tmp_path / "raw",
            mirror=url,
            manifest=mnist_mirror / "manifest.json",
        )
    assert msg.startswith(f"{url}mnist/t10k-labels-idx1-ubyte.gz: md5 ")
    assert f"from the manifest {mnist_mirror / 'manifest.json'}" in msg
    assert "the corrupt download was removed" in msg
    assert not (tmp_path / "raw" / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()


def test_an_archive_on_disk_that_differs_from_the_manifest(mnist_mirror, previous, tmp_path):
    raw = tmp_path / "raw"
    mine = raw / "mnist" / "train-images-idx3-ubyte.gz"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"a real MNIST archive, say")
    msg = _fails(
        ChecksumError,
        previous,
        raw,
        mirror=mnist_mirror,
        manifest=mnist_mirror / "manifest.json",
    )
    assert msg.startswith(f"{mine} exists but its md5 is ")
    assert "delete it, or replace it with a good copy of" in msg
    assert mine.read_bytes() == b"a real MNIST archive, say"  # the user's file is kept


def _manifest_md5(folder, key):
    return json.loads((folder / "manifest.json").read_text())["files"][key]["md5"]


def _truncated(rehearsal, key: str, keep: int) -> bytes:
    with open(rehearsal.folder / key, "rb") as fh:
        return fh.read(keep)


def _short_idx() -> bytes:
    header = struct.pack(">IIII", 0x803, 10_000, 28, 28)
    return gzip.compress(header + bytes(28 * 28 * 9_999), mtime=0)  # one image short


TRUNCATED = "it ends early (truncated)"


@pytest.mark.parametrize(
    ("dataset", "filename", "damage", "problem"),
    [
        pytest.param("mnist", "t10k-images-idx3-ubyte.gz", "half", TRUNCATED, id="gzip"),
        pytest.param(
            "mnist",
            "t10k-images-idx3-ubyte.gz",
            "short idx",
            f"{TRUNCATED}: its IDX header announces 10000x28x28 values, not 7839216",
            id="idx",
        ),
        pytest.param("cifar10", "cifar-10-python.tar.gz", "4 MB", TRUNCATED, id="cifar10"),
        pytest.param("stl10", "stl10_binary.tar.gz", "4 MB", TRUNCATED, id="stl10"),
    ],
)
def test_a_truncated_archive_with_the_manifests_md5(
    rehearsal, tmp_path, dataset, filename, damage, problem
):
    key = f"{dataset}/{filename}"
    if damage == "short idx":
        data = _short_idx()
    else:
        size = (rehearsal.folder / key).stat().st_size
        data = _truncated(rehearsal, key, size // 2 if damage == "half" else 4 << 20)
    mirror = tmp_path / "mirror"
    others = [k for k in rehearsal.manifest["files"] if k.startswith(f"{dataset}/") and k != key]
    for other in others:
        (mirror / other).parent.mkdir(parents=True, exist_ok=True)
        (mirror / other).symlink_to(rehearsal.folder / other)
    manifest = _write_manifest(mirror, {key: data, **dict.fromkeys(others)})
    out = tmp_path / "data" / f"{dataset}.npz"
    out.parent.mkdir()
    out.write_bytes(b"the previous good npz")
    raw = tmp_path / "raw"
    with serve(mirror) as url, pytest.raises(DamagedArchive) as err:
        prepare(dataset, out, SETTINGS, raw_dir=raw, mirror=url, manifest=manifest)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{raw / dataset / filename}: damaged archive, {problem}")
    assert "delete it and run this again" in msg
    assert out.read_bytes() == b"the previous good npz"
    assert isinstance(err.value, DownloadError)  # the CLI's one line, exit 2


def test_a_404_names_the_url_and_where_to_put_the_file(mnist_mirror, previous, tmp_path):
    (mnist_mirror / "mnist" / "train-images-idx3-ubyte.gz").unlink()
    hook = Requests(mnist_mirror)
    with serve(mnist_mirror, fault=hook) as url:
        msg = _fails(
            DownloadError,
            previous,
            tmp_path / "raw",
            mirror=url,
            manifest=mnist_mirror / "manifest.json",
        )
    assert hook.seen == [("mnist/train-images-idx3-ubyte.gz", None)]  # no retries wasted
    assert f"cannot download {url}mnist/train-images-idx3-ubyte.gz (Not Found)" in msg
    assert f"put it at {tmp_path / 'raw' / 'mnist' / 'train-images-idx3-ubyte.gz'}" in msg
    assert f"(md5 {_manifest_md5(mnist_mirror, 'mnist/train-images-idx3-ubyte.gz')}" in msg


def test_a_mirror_folder_missing_a_file(mnist_mirror, previous, tmp_path):
    (mnist_mirror / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    msg = _fails(
        DownloadError,
        previous,
        tmp_path / "raw",
        mirror=mnist_mirror,
        manifest=mnist_mirror / "manifest.json",
    )
    assert msg.startswith(
        f"{mnist_mirror / 'mnist' / 't10k-labels-idx1-ubyte.gz'} not found in the mirror folder"
    )
    assert str(tmp_path / "raw" / "mnist" / "t10k-labels-idx1-ubyte.gz") in msg


def test_a_mirror_file_that_differs_from_the_manifest(mnist_mirror, previous, tmp_path):
    bad = mnist_mirror / "mnist" / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(b"not it")
    msg = _fails(
        ChecksumError,
        previous,
        tmp_path / "raw",
        mirror=mnist_mirror,
        manifest=mnist_mirror / "manifest.json",
    )
    assert msg.startswith(f"{bad}: md5 {md5sum(bad)} does not match the expected ")
    assert not (tmp_path / "raw" / "mnist" / "train-labels-idx1-ubyte.gz").exists()


def test_a_manifest_that_lacks_a_file(mnist_mirror, previous, tmp_path):
    manifest = json.loads((mnist_mirror / "manifest.json").read_text())
    del manifest["files"]["mnist/t10k-images-idx3-ubyte.gz"]
    (mnist_mirror / "manifest.json").write_text(json.dumps(manifest))
    hook = Requests(mnist_mirror)
    with serve(mnist_mirror, fault=hook) as url:
        msg = _fails(
            DownloadError,
            previous,
            tmp_path / "raw",
            mirror=url,
            manifest=mnist_mirror / "manifest.json",
        )
    assert msg.startswith(
        f"the manifest {mnist_mirror / 'manifest.json'} has no md5 for "
        "mnist/t10k-images-idx3-ubyte.gz"
    )
    assert hook.seen == []  # checked before anything is fetched


@pytest.mark.parametrize("content", ["missing", "{not json", '{"files": {}}', '{"kind": "x"}'])
def test_a_missing_or_damaged_manifest(mnist_mirror, previous, tmp_path, content):
    manifest = tmp_path / "other.json"
    if content != "missing":
        manifest.write_text(content)
    msg = _fails(DownloadError, previous, tmp_path / "raw", mirror=mnist_mirror, manifest=manifest)
    assert str(manifest) in msg and "use the manifest.json written with the archives" in msg


def test_without_a_manifest_the_registry_md5s_apply(mnist_mirror, previous, tmp_path):
    msg = _fails(ChecksumError, previous, tmp_path / "raw", mirror=mnist_mirror)
    assert "f68b3c2dcbeaaa9fbdd348bbdeb94873" in msg  # the real train-images md5


def test_a_manifest_of_another_kind_is_no_rehearsal(mnist_mirror, tmp_path):
    manifest = _write_manifest(mnist_mirror, {f"mnist/{f}": None for f in MNIST_FILES}, "mirror")
    out = prepare("mnist", tmp_path / "m.npz", SETTINGS, tmp_path / "raw", mnist_mirror, manifest)
    meta = load(out).meta
    assert meta["rehearsal"] is False


# -- the generator --------------------------------------------------------------------------


SMALL = {"mnist": {"train": 50, "test": 20}, "cifar10": {"train": 50, "test": 10}}
SMALL["stl10"] = {"train": 20, "test": 10}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(synthetic, "SIZES", SMALL)
    a = synthetic.write_archives(tmp_path / "a", seed=3, stl10_unlabeled=5)
    b = synthetic.write_archives(tmp_path / "elsewhere" / "b", seed=3, stl10_unlabeled=5)
    c = synthetic.write_archives(tmp_path / "c", seed=4, stl10_unlabeled=5)
    assert a == b
    assert all(a["files"][k]["md5"] != c["files"][k]["md5"] for k in a["files"])
    only = synthetic.write_archives(tmp_path / "d", datasets=("cifar10",), seed=3)
    assert only["files"] == {k: v for k, v in a["files"].items() if k.startswith("cifar10/")}


def test_a_failed_write_leaves_no_manifest(tmp_path, monkeypatch):
    monkeypatch.setattr(synthetic, "SIZES", SMALL)
    synthetic.write_archives(tmp_path, datasets=("mnist",))
    assert (tmp_path / "manifest.json").exists()

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(synthetic, "_write_cifar10", full_disk)
    with pytest.raises(OSError):
        synthetic.write_archives(tmp_path, datasets=("mnist", "cifar10"))
    assert not (tmp_path / "manifest.json").exists()  # no manifest: the archives are suspect


def test_the_loopback_server_is_reached_past_a_proxy(mnist_mirror, tmp_path, monkeypatch):
    """A cluster's $http_proxy must not receive the download from this machine's own server
    (here a proxy that refuses every connection)."""
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with serve(mnist_mirror) as url:
        out = prepare(
            "mnist",
            tmp_path / "mnist.npz",
            SETTINGS,
            raw_dir=tmp_path / "raw",
            mirror=url,
            manifest=mnist_mirror / "manifest.json",
        )
    assert load(out, ("test",)).x.shape == (10_000, 1, 32, 32)

"""Rehearsal archives: the real datasets' archives, byte format for byte format, with made-up
content, so that the real download and decode code can run at full scale without the real data.

``write_archives`` writes, for MNIST, CIFAR-10 and STL-10, the files that ``DATASETS[name].files``
names, in the exact formats the real ones have, at the real sizes of the labelled splits:

- MNIST: four gzip'd IDX files (magic 0x00000803 for the 28x28 images, 0x00000801 for the
  labels), 60,000 train and 10,000 test digits.
- CIFAR-10: ``cifar-10-python.tar.gz`` holding ``cifar-10-batches-py/data_batch_1..5`` and
  ``test_batch`` (protocol-2 pickles as Python 2 wrote them: dicts with the byte-string keys
  ``batch_label``, ``labels``, ``data`` (uint8 (10000, 3072): the R, G then B planes, each
  row-major) and ``filenames``), ``batches.meta`` and ``readme.html``; 50,000 + 10,000 images.
- STL-10: ``stl10_binary.tar.gz`` holding ``stl10_binary/{train,test}_{X,y}.bin``,
  ``unlabeled_X.bin``, ``class_names.txt`` and ``fold_indices.txt``; images stored
  column-major ((N, 3, 96, 96) with H and W swapped), labels uint8 1..10; 5,000 train and 8,000
  test images. The unlabelled split is NOT at its real size (100,000 images, 2.6 GB of the real
  archive): it holds ``stl10_unlabeled`` images (100 by default).

The content is not noise: every image comes from an offline stand-in, so its class can be
learnt. MNIST's digits are scikit-learn's 8x8 digits, bilinearly enlarged to 20x20 and placed
in the 28x28 canvas with a random shift of up to 2 pixels and a random stroke intensity (test
digits come from a fifth of the 1,797 sources that train never uses). CIFAR-10's and STL-10's
images are random crops (32x32 and 96x96, mirrored at random, with a random brightness) of
scikit-image's ten colour photos, one class per photo (as the ``photos`` stand-in); STL-10 crops
photos reduced to a short side of 288 px, so its images, reduced to 32x32, look like CIFAR's.

The bytes depend only on ``seed`` (and ``stl10_unlabeled``): gzip headers carry no time and
tar members fixed names, times and owners, so the md5s in the manifest are reproducible.
``out_dir/manifest.json`` is written last, atomically: a manifest means complete archives.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import pickle
import struct
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ganrepro.data.registry import DATASETS
from ganrepro.data.standins import PHOTOS, load_photo
from ganrepro.io import atomic_open, write_json
from ganrepro.registry import UnknownName

Splits = dict[str, tuple[np.ndarray, np.ndarray | None]]

MANIFEST = "manifest.json"
KIND = "rehearsal"
DESCRIPTION = (
    "rehearsal archives: the real datasets' archive formats at the real labelled-split sizes, "
    "with images made from the offline stand-ins (not the real data)"
)
# images per split, the real datasets' (STL-10's unlabelled split is set by the caller)
SIZES = {
    "mnist": {"train": 60_000, "test": 10_000},
    "cifar10": {"train": 50_000, "test": 10_000},
    "stl10": {"train": 5_000, "test": 8_000},
}
# photo crops deflate to 68% at level 1 and 67% at level 6, which takes twice as long
GZIP_LEVEL = 1
MTIME = 1_262_304_000  # 2010-01-01: every tar member's time (gzip headers carry none)
STL_SHORT_SIDE = 288  # 3 x the photos stand-in's, so that STL-10 reduced to 32x32 matches it
_STREAMS = {"mnist": 1, "cifar10": 2, "stl10": 3}  # one random stream per dataset


def _rng(name: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[name]])


# -- content ------------------------------------------------------------------------------------


def _bilinear(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix of a bilinear resize that maps pixel centres onto pixel centres."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), lo), 1 - (pos - lo))
    np.add.at(m, (np.arange(n_out), hi), pos - lo)
    return m


def _draw_mnist(rng: np.random.Generator, sizes: dict[str, int]) -> Splits:
    from sklearn.datasets import load_digits

    digits = load_digits()
    r = _bilinear(8, 20)
    sources = np.einsum("ij,njk,lk->nil", r, digits.images / 16.0, r).astype(np.float32)
    order = rng.permutation(len(sources))
    pools = {"test": order[: len(order) // 5], "train": order[len(order) // 5 :]}
    out: Splits = {}
    for split in ("train", "test"):
        n = sizes[split]
        src = rng.choice(pools[split], n)
        gain = rng.uniform(180, 255, n).astype(np.float32)  # stroke intensity
        gamma = rng.uniform(0.6, 1.4, n).astype(np.float32)  # stroke softness
        top, left = rng.integers(2, 7, n), rng.integers(2, 7, n)  # centred (4) +- 2 px
        glyphs = sources[src] ** gamma[:, None, None] * gain[:, None, None]
        x = np.zeros((n, 28, 28), np.uint8)
        rows = top[:, None, None] + np.arange(20)[None, :, None]
        cols = left[:, None, None] + np.arange(20)[None, None, :]
        x[np.arange(n)[:, None, None], rows, cols] = np.floor(glyphs + 0.5).astype(np.uint8)
        out[split] = (x, digits.target[src].astype(np.int64))
    return out


@functools.cache
def _photos(short_side: int) -> tuple[np.ndarray, ...]:
    return tuple(load_photo(name, short_side) for name in PHOTOS)


def _crops(rng: np.random.Generator, y: np.ndarray, side: int, short_side: int) -> np.ndarray:
    """(N, 3, side, side) uint8 crops of photo ``y[i]``, stored column-major (H and W swapped,
    as STL-10 stores them; transpose the last two axes for CIFAR's row-major order)."""
    x = np.empty((len(y), 3, side, side), np.uint8)
    for label, photo in enumerate(_photos(short_side)):
        idx = np.flatnonzero(y == label)
        # (W, H, 3) -> every crop as (3, side_w, side_h): column-major like STL-10's binaries
        windows = np.lib.stride_tricks.sliding_window_view(
            photo.transpose(1, 0, 2), (side, side), axis=(0, 1)
        )
        left = rng.integers(0, windows.shape[0], len(idx))
        top = rng.integers(0, windows.shape[1], len(idx))
        x[idx] = windows[left, top]
    mirror = np.flatnonzero(rng.random(len(y)) < 0.5)
    x[mirror] = x[mirror, :, ::-1]  # left-right (the W axis)
    gain = rng.integers(205, 257, len(y)).astype(np.uint16)  # brightness x0.8 .. x1.0
    for start in range(0, len(y), 2000):
        block = x[start : start + 2000].astype(np.uint16)
        block *= gain[start : start + 2000, None, None, None]
        x[start : start + 2000] = (block + 128) >> 8
    return x


def _balanced(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.permutation(np.arange(n) % 10).astype(np.int64)


def _draw_photos(rng, sizes: dict[str, int], side: int, short_side: int) -> Splits:
    out: Splits = {}
    for split, n in sizes.items():
        labelled = split != "unlabeled"
        y = _balanced(rng, n) if labelled else rng.integers(0, 10, n)
        x = _crops(rng, y, side, short_side)
        out[split] = (x, y if labelled else None)
    return out


def draw(name: str, seed: int = 0, stl10_unlabeled: int = 100) -> Splits:
    """The images and labels (0..9, int64) ``write_archives`` stores for dataset ``name``:
    MNIST (N, 28, 28); CIFAR-10 (N, 3, 32, 32); STL-10 (N, 3, 96, 96) in (H, W) order (a view
    of the column-major array the archive stores). The same for the same arguments."""
    if name not in SIZES:
        raise UnknownName(f"no rehearsal archive for dataset {name!r} (known: {', '.join(SIZES)})")
    rng = _rng(name, seed)
    if name == "mnist":
        return _draw_mnist(rng, SIZES["mnist"])
    if name == "cifar10":
        splits = _draw_photos(rng, SIZES["cifar10"], 32, 96)
        return {s: (x.transpose(0, 1, 3, 2), y) for s, (x, y) in splits.items()}
    sizes = {**SIZES["stl10"], "unlabeled": stl10_unlabeled}
    splits = _draw_photos(rng, sizes, 96, STL_SHORT_SIDE)
    return {s: (x.transpose(0, 1, 3, 2), y) for s, (x, y) in splits.items()}


# -- formats ------------------------------------------------------------------------------------


class _Hashing:
    """A write-only file that passes bytes on and keeps their md5 and count."""

    def __init__(self, fh: BinaryIO):
        self.fh, self.md5, self.bytes = fh, hashlib.md5(), 0

    def write(self, data) -> int:
        self.md5.update(data)
        self.bytes += len(data)
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()


class _Reader(io.RawIOBase):
    """A read-only file over an array's bytes (no copy of the whole array)."""

    def __init__(self, data: np.ndarray | bytes):
        super().__init__()
        if isinstance(data, np.ndarray):
            data = np.ascontiguousarray(data)
        self._view, self._pos = memoryview(data).cast("B"), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = min(len(buf), len(self._view) - self._pos)
        buf[:n] = self._view[self._pos : self._pos + n]
        self._pos += n
        return n


def _write_gzip(path: Path, chunks: Iterator[bytes | memoryview]) -> dict:
    """Gzip ``chunks`` into ``path`` atomically (no time, the inner name only in the header)."""
    with atomic_open(path) as fh:
        sink = _Hashing(fh)
        name = path.name.removesuffix(".gz")
        with gzip.GzipFile(name, "wb", GZIP_LEVEL, sink, mtime=0) as gz:
            for chunk in chunks:
                gz.write(chunk)
    return {"md5": sink.md5.hexdigest(), "bytes": sink.bytes}


def _write_targz(path: Path, folder: str, members: dict[str, np.ndarray | bytes]) -> dict:
    """A gzip'd tar of ``folder/`` and its ``members``, every header fixed (time, owner, mode)."""

    def info(name: str, size: int = 0, directory: bool = False) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(name)
        ti.size, ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = size, MTIME, 0, 0, "", ""
        ti.type, ti.mode = (tarfile.DIRTYPE, 0o755) if directory else (tarfile.REGTYPE, 0o644)
        return ti

    with atomic_open(path) as fh:
        sink = _Hashing(fh)
        name = path.name.removesuffix(".gz")
        with (
            gzip.GzipFile(name, "wb", GZIP_LEVEL, sink, mtime=0) as gz,
            tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar,
        ):
            tar.addfile(info(folder, directory=True))
            for member, data in members.items():
                size = data.nbytes if isinstance(data, np.ndarray) else len(data)
                tar.addfile(info(f"{folder}/{member}", size), _Reader(data))
    return {"md5": sink.md5.hexdigest(), "bytes": sink.bytes}


def _idx(data: np.ndarray) -> Iterator[bytes | memoryview]:
    """An IDX file: magic 0x0000 08 (unsigned byte) ndim, the dims (big-endian), the bytes."""
    yield struct.pack(">I", 0x0800 | data.ndim) + struct.pack(f">{data.ndim}I", *data.shape)
    flat = memoryview(np.ascontiguousarray(data)).cast("B")
    for start in range(0, len(flat), 1 << 22):
        yield flat[start : start + (1 << 22)]


def _write_mnist(folder: Path, splits: Splits) -> dict[str, dict]:
    out = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x, y = splits[split]
        for kind, data in (("images-idx3", x), ("labels-idx1", y.astype(np.uint8))):
            filename = f"{prefix}-{kind}-ubyte.gz"
            out[filename] = _write_gzip(folder / filename, _idx(data))
    return out


class _Python2Pickler(pickle._Pickler):
    """Protocol 2 as Python 2's cPickle wrote CIFAR-10's batches: every string a byte string
    (BINSTRING, read back as bytes with ``encoding="bytes"``) and numpy's array reconstructor
    under its old name, ``numpy.core.multiarray``."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_string(self, obj: str | bytes) -> None:
        data = obj.encode("latin-1") if isinstance(obj, str) else bytes(obj)
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = save_string
    dispatch[bytes] = save_string

    def save_global(self, obj, name=None) -> None:
        if getattr(obj, "__name__", None) == "_reconstruct":
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
        else:
            super().save_global(obj, name)


def _py2_pickle(obj) -> bytes:
    buf = io.BytesIO()
    _Python2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


README = """<html><body><h1>Rehearsal CIFAR-10</h1>
<p>Synthetic images in the format of the CIFAR-10 python version (not the real data):
32x32 crops of ten of scikit-image's colour photos, one class per photo.</p></body></html>
"""


def _write_cifar10(folder: Path, splits: Splits) -> dict[str, dict]:
    names = DATASETS["cifar10"].class_names
    (x_train, y_train), (x_test, y_test) = splits["train"], splits["test"]
    per_batch = len(x_train) // 5
    batches = [
        (f"data_batch_{i + 1}", f"training batch {i + 1} of 5", x_train, y_train, i * per_batch)
        for i in range(5)
    ] + [("test_batch", "testing batch 1 of 1", x_test, y_test, 0)]
    members: dict[str, np.ndarray | bytes] = {}
    for member, label, x, y, start in batches:
        n = per_batch if member != "test_batch" else len(x_test)
        labels = y[start : start + n].tolist()
        members[member] = _py2_pickle(
            {
                "batch_label": label,
                "labels": labels,
                "data": np.ascontiguousarray(x[start : start + n]).reshape(n, 3 * 32 * 32),
                "filenames": [f"{names[c]}_s_{start + i:06d}.png" for i, c in enumerate(labels)],
            }
        )
    members["batches.meta"] = _py2_pickle(
        {"num_cases_per_batch": per_batch, "label_names": list(names), "num_vis": 3 * 32 * 32}
    )
    members["readme.html"] = README.encode()
    filename = DATASETS["cifar10"].files[0].filename
    return {filename: _write_targz(folder / filename, "cifar-10-batches-py", members)}


def _write_stl10(folder: Path, splits: Splits, rng: np.random.Generator) -> dict[str, dict]:
    n_train = len(splits["train"][0])
    folds = [rng.permutation(n_train)[: n_train // 5] for _ in range(10)]  # 1,000 of 5,000
    members: dict[str, np.ndarray | bytes] = {
        "class_names.txt": "".join(f"{c}\n" for c in DATASETS["stl10"].class_names).encode(),
        "fold_indices.txt": "".join(" ".join(map(str, f)) + " \n" for f in folds).encode(),
    }
    for split in ("test", "train", "unlabeled"):
        x, y = splits[split]
        members[f"{split}_X.bin"] = x.transpose(0, 1, 3, 2)  # back to the stored column-major
        if y is not None:
            members[f"{split}_y.bin"] = (y + 1).astype(np.uint8)
    filename = DATASETS["stl10"].files[0].filename
    return {filename: _write_targz(folder / filename, "stl10_binary", members)}


def _write_dataset(out_dir: Path, name: str, seed: int, stl10_unlabeled: int) -> dict[str, dict]:
    splits = draw(name, seed, stl10_unlabeled)
    if name == "mnist":
        return _write_mnist(out_dir / name, splits)
    if name == "cifar10":
        return _write_cifar10(out_dir / name, splits)
    return _write_stl10(out_dir / name, splits, np.random.default_rng([seed, _STREAMS[name], 1]))


def write_archives(
    out_dir: str | Path,
    datasets: tuple[str, ...] = ("mnist", "cifar10", "stl10"),
    seed: int = 0,
    stl10_unlabeled: int = 100,
) -> dict:
    """Write the rehearsal archives of ``datasets`` to ``out_dir/{dataset}/{filename}`` and,
    last, ``out_dir/manifest.json``; return the manifest: ``{"kind": "rehearsal",
    "description", "seed", "files": {"{dataset}/{filename}": {"md5", "bytes"}}}``.

    STL-10's unlabelled split holds ``stl10_unlabeled`` images, not the real 100,000; the
    labelled splits of every dataset have their real sizes (see the module's docstring)."""
    unknown = [name for name in datasets if name not in SIZES]
    if unknown:
        raise UnknownName(
            f"no rehearsal archive for dataset {unknown[0]!r} (known: {', '.join(SIZES)})"
        )
    if stl10_unlabeled < 0:
        raise ValueError(f"stl10_unlabeled must be >= 0, not {stl10_unlabeled}")
    out_dir = Path(out_dir)
    (out_dir / MANIFEST).unlink(missing_ok=True)  # until every archive is complete again
    # one thread per dataset: zlib and most of numpy release the GIL, and each dataset has its
    # own random stream, so the bytes do not depend on the threads' timing
    datasets = tuple(dict.fromkeys(datasets))
    biggest_first = sorted(datasets, key=("stl10", "cifar10", "mnist").index)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {
            n: pool.submit(_write_dataset, out_dir, n, seed, stl10_unlabeled) for n in biggest_first
        }
        written = {name: jobs[name].result() for name in datasets}
    files = {
        f"{name}/{filename}": entry
        for name in datasets
        for filename, entry in written[name].items()
    }
    manifest = {"kind": KIND, "description": DESCRIPTION, "seed": seed, "files": files}
    write_json(out_dir / MANIFEST, manifest)
    return manifest

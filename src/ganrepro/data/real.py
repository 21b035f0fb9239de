"""Decoders of the real datasets' archive formats into uint8 arrays (N, C, 32, 32).

Each decoder takes the verified archive paths and returns ``{split: (x, y or None)}``.
"""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

Splits = dict[str, tuple[np.ndarray, np.ndarray | None]]


def _read_idx(path: Path) -> np.ndarray:
    """An IDX file (MNIST's format): big-endian magic, dims, then uint8 data."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims} values, found {data.size}")
    return data.reshape(dims)


def decode_mnist(files: dict[str, Path], to_32: str = "pad") -> Splits:
    """28x28 digits zero-padded by 2 pixels on each side to 32x32."""
    out: Splits = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = _read_idx(files[f"{prefix}-images-idx3-ubyte.gz"])
        y = _read_idx(files[f"{prefix}-labels-idx1-ubyte.gz"]).astype(np.int64)
        x = np.pad(x, ((0, 0), (2, 2), (2, 2)))[:, None]
        out[split] = (np.ascontiguousarray(x), y)
    return out


class _ArrayUnpickler(pickle.Unpickler):
    """CIFAR's batches are pickled dicts of numpy arrays: allow exactly that, nothing else."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch")


def decode_cifar10(files: dict[str, Path]) -> Splits:
    members = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
    batches: dict[str, dict] = {}
    with tarfile.open(files["cifar-10-python.tar.gz"], "r:gz") as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if member.isfile() and any(name in m for m in members.values()):
                batches[name] = _ArrayUnpickler(
                    io.BytesIO(tar.extractfile(member).read()), encoding="bytes"
                ).load()
    out: Splits = {}
    for split, names in members.items():
        missing = [n for n in names if n not in batches]
        if missing:
            raise ValueError(f"cifar-10-python.tar.gz lacks {', '.join(missing)}")
        x = np.concatenate([np.asarray(batches[n][b"data"], dtype=np.uint8) for n in names])
        y = np.concatenate([np.asarray(batches[n][b"labels"], dtype=np.int64) for n in names])
        out[split] = (x.reshape(-1, 3, 32, 32), y)
    return out


def downsample3(x: np.ndarray) -> np.ndarray:
    """(N, C, 96, 96) uint8 -> (N, C, 32, 32) by 3x3 area averaging (an exact box antialias)."""
    n, c, h, w = x.shape
    mean = x.reshape(n, c, h // 3, 3, w // 3, 3).mean(axis=(3, 5), dtype=np.float64)
    return np.floor(mean + 0.5).astype(np.uint8)


def _stl_images(fh, chunk: int = 1000) -> np.ndarray:
    """STL-10 binaries store images column-major: (N, 3, 96, 96) with H and W swapped."""
    size = 3 * 96 * 96
    parts = []
    while block := fh.read(size * chunk):
        x = np.frombuffer(block, dtype=np.uint8).reshape(-1, 3, 96, 96).transpose(0, 1, 3, 2)
        parts.append(downsample3(x))
    return np.concatenate(parts) if parts else np.zeros((0, 3, 32, 32), np.uint8)


def decode_stl10(files: dict[str, Path], unlabeled: bool = False) -> Splits:
    wanted = {"train_X.bin", "train_y.bin", "test_X.bin", "test_y.bin"}
    if unlabeled:
        wanted.add("unlabeled_X.bin")
    arrays: dict[str, np.ndarray] = {}
    with tarfile.open(files["stl10_binary.tar.gz"], "r:gz") as tar:
        for member in tar:
            name = Path(member.name).name
            if member.isfile() and name in wanted:
                fh = tar.extractfile(member)
                if name.endswith("_X.bin"):
                    arrays[name] = _stl_images(fh)
                else:  # labels 1..10 -> 0..9
                    arrays[name] = np.frombuffer(fh.read(), dtype=np.uint8).astype(np.int64) - 1
    missing = sorted(wanted - set(arrays))
    if missing:
        raise ValueError(f"stl10_binary.tar.gz lacks {', '.join(missing)}")
    out: Splits = {s: (arrays[f"{s}_X.bin"], arrays[f"{s}_y.bin"]) for s in ("train", "test")}
    if unlabeled:
        out["unlabeled"] = (arrays["unlabeled_X.bin"], None)
    return out

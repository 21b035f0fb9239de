"""Decoders of the real datasets' archive formats into uint8 arrays (N, C, 32, 32).

Each decoder takes the verified archive paths and returns ``{split: (x, y or None)}``. An
archive that cannot be decoded (it ends early, or holds something else) is one
``DamagedArchive`` line naming it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import pickle
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ganrepro.data.download import DamagedArchive

Splits = dict[str, tuple[np.ndarray, np.ndarray | None]]

FIX = (
    "delete it and run this again to fetch it anew (if it had the expected md5, the copy it "
    "came from is damaged too)"
)


def damaged(path: Path, problem: str) -> DamagedArchive:
    return DamagedArchive(f"{path}: damaged archive, {problem}; {FIX}")


@contextlib.contextmanager
def _decoding(path: Path) -> Iterator[None]:
    """What a truncated or foreign archive raises while it is decoded -> ``DamagedArchive``."""
    try:
        yield
    except DamagedArchive:
        raise
    except (EOFError, tarfile.ReadError) as exc:
        ends = isinstance(exc, EOFError) or "unexpected end" in str(exc)
        problem = "it ends early (truncated)" if ends else f"not a tar.gz ({exc})"
        raise damaged(path, problem) from None
    except (
        gzip.BadGzipFile,
        zlib.error,
        tarfile.TarError,
        pickle.UnpicklingError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
    ) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise damaged(path, f"{type(exc).__name__}: {detail}"[:200]) from None


def _same_length(path: Path, what: str, x: np.ndarray, y: np.ndarray) -> None:
    if len(x) != len(y):
        raise damaged(path, f"{what}: {len(x)} images but {len(y)} labels")


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """A gzip'd IDX file (MNIST's format): big-endian magic 0x000008{ndim}, dims, uint8 data."""
    with _decoding(path), gzip.open(path, "rb") as fh:
        raw = fh.read()
    magic = int.from_bytes(raw[0:4], "big")
    if len(raw) < 4 or magic != 0x0800 | ndim:
        raise damaged(path, f"not an IDX file of {ndim}-d unsigned bytes (magic {magic:#010x})")
    if len(raw) < 4 + 4 * ndim:
        raise damaged(path, "its IDX header ends early (truncated)")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        problem = "it ends early (truncated)" if data.size < np.prod(dims) else "it is too long"
        announced = "x".join(map(str, dims))
        raise damaged(
            path, f"{problem}: its IDX header announces {announced} values, not {data.size}"
        )
    return data.reshape(dims)


def decode_mnist(files: dict[str, Path], to_32: str = "pad") -> Splits:
    """28x28 digits zero-padded by 2 pixels on each side to 32x32."""
    out: Splits = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = _read_idx(files[f"{prefix}-images-idx3-ubyte.gz"], 3)
        y = _read_idx(files[f"{prefix}-labels-idx1-ubyte.gz"], 1).astype(np.int64)
        if x.shape[1:] != (28, 28):
            raise damaged(files[f"{prefix}-images-idx3-ubyte.gz"], f"images of {x.shape[1:]}")
        _same_length(files[f"{prefix}-labels-idx1-ubyte.gz"], split, x, y)
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
    path = files["cifar-10-python.tar.gz"]
    members = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
    batches: dict[str, dict] = {}
    out: Splits = {}
    with _decoding(path):
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = Path(member.name).name
                if member.isfile() and any(name in m for m in members.values()):
                    batches[name] = _ArrayUnpickler(
                        io.BytesIO(tar.extractfile(member).read()), encoding="bytes"
                    ).load()
        for split, names in members.items():
            missing = [n for n in names if n not in batches]
            if missing:
                raise damaged(path, f"it lacks {', '.join(missing)}")
            x = np.concatenate([np.asarray(batches[n][b"data"], dtype=np.uint8) for n in names])
            y = np.concatenate([np.asarray(batches[n][b"labels"], dtype=np.int64) for n in names])
            _same_length(path, split, x, y)
            out[split] = (x.reshape(-1, 3, 32, 32), y)
    return out


def downsample3(x: np.ndarray) -> np.ndarray:
    """(N, C, 96, 96) uint8 -> (N, C, 32, 32) by 3x3 area averaging (an exact box antialias):
    each pixel is its block's mean rounded half up, floor(sum / 9 + 1/2) = (2 sum + 9) // 18,
    in integers (a block's mean never ends in exactly .5)."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 3, 3, w // 3, 3).astype(np.uint16)
    rows = blocks[..., 0] + blocks[..., 1] + blocks[..., 2]
    sums = rows[:, :, :, 0] + rows[:, :, :, 1] + rows[:, :, :, 2]
    return ((sums * 2 + 9) // 18).astype(np.uint8)


def _stl_images(fh, chunk: int = 1000) -> np.ndarray:
    """STL-10 binaries store images column-major: (N, 3, 96, 96) with H and W swapped."""
    size = 3 * 96 * 96
    parts = []
    while block := fh.read(size * chunk):
        if len(block) % size:
            raise ValueError("an image file that is not a whole number of 3x96x96 images")
        x = np.frombuffer(block, dtype=np.uint8).reshape(-1, 3, 96, 96).transpose(0, 1, 3, 2)
        parts.append(downsample3(x))
    return np.concatenate(parts) if parts else np.zeros((0, 3, 32, 32), np.uint8)


def decode_stl10(files: dict[str, Path], unlabeled: bool = False) -> Splits:
    wanted = {"train_X.bin", "train_y.bin", "test_X.bin", "test_y.bin"}
    if unlabeled:
        wanted.add("unlabeled_X.bin")
    path = files["stl10_binary.tar.gz"]
    arrays: dict[str, np.ndarray] = {}
    with _decoding(path), tarfile.open(path, "r:gz") as tar:
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
        raise damaged(path, f"it lacks {', '.join(missing)}")
    out: Splits = {s: (arrays[f"{s}_X.bin"], arrays[f"{s}_y.bin"]) for s in ("train", "test")}
    for split, (x, y) in out.items():
        _same_length(path, split, x, y)
    if unlabeled:
        out["unlabeled"] = (arrays["unlabeled_X.bin"], None)
    return out

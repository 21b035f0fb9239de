"""Small archives in the real datasets' formats, for testing the real download/decode code."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import tarfile

import numpy as np


def _idx(data: np.ndarray) -> bytes:
    header = (0x0800 | data.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in data.shape)
    return gzip.compress(header + data.astype(np.uint8).tobytes(), mtime=0)


def mnist_files(rng: np.random.Generator, n_train=30, n_test=10) -> dict[str, tuple[bytes, dict]]:
    """{filename: (bytes, truth)} for the four MNIST IDX archives."""
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, n, dtype=np.uint8)
        out[f"{prefix}-images-idx3-ubyte.gz"] = (_idx(x), {"x": x})
        out[f"{prefix}-labels-idx1-ubyte.gz"] = (_idx(y), {"y": y})
    return out


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def cifar10_archive(rng: np.random.Generator, per_batch=8) -> tuple[bytes, dict]:
    members, truth = {}, {"train": [], "test": []}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        x = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        y = rng.integers(0, 10, per_batch).tolist()
        members[f"cifar-10-batches-py/{name}"] = pickle.dumps(
            {
                b"batch_label": name.encode(),
                b"labels": y,
                b"data": x,
                b"filenames": [b"f"] * per_batch,
            },
            protocol=2,
        )
        truth["test" if name == "test_batch" else "train"].append((x, y))
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps({b"label_names": []})
    return _tar(members), truth


def stl10_archive(rng: np.random.Generator, n_train=6, n_test=4, n_unl=3) -> tuple[bytes, dict]:
    """STL-10 binaries: images column-major (N, 3, W, H) as stored, labels 1..10."""
    members, truth = {}, {}
    for split, n in (("train", n_train), ("test", n_test), ("unlabeled", n_unl)):
        img = rng.integers(0, 256, (n, 3, 96, 96), dtype=np.uint8)  # (N, C, H, W)
        members[f"stl10_binary/{split}_X.bin"] = img.transpose(0, 1, 3, 2).tobytes()
        truth[split] = {"x": img}
        if split != "unlabeled":
            y = rng.integers(1, 11, n, dtype=np.uint8)
            members[f"stl10_binary/{split}_y.bin"] = y.tobytes()
            truth[split]["y"] = y
    return _tar(members), truth


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()

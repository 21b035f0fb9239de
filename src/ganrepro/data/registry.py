"""The dataset registry: what each dataset is, without loading anything.

Every dataset is stored as ``results/{tree}/data/{name}.npz`` with, per split, ``{split}_x``
of shape (N, C, 32, 32) uint8 and, for labelled splits, ``{split}_y`` of shape (N,) int64 in
[0, 10).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RemoteFile:
    """One archive to download: where from, what to call it, and its md5."""

    url: str
    filename: str
    md5: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    channels: int
    n_classes: int
    labelled_splits: tuple[str, ...]
    unlabelled_splits: tuple[str, ...] = ()
    standin: str | None = None  # the offline stand-in used at quick scale (real datasets)
    files: tuple[RemoteFile, ...] = ()  # empty for stand-ins (shipped by a package)
    description: str = ""
    class_names: tuple[str, ...] = tuple(str(i) for i in range(10))

    @property
    def real(self) -> bool:
        return bool(self.files)

    @property
    def splits(self) -> tuple[str, ...]:
        return self.labelled_splits + self.unlabelled_splits


_MNIST = "https://ossci-datasets.s3.amazonaws.com/mnist/"

DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "mnist",
            channels=1,
            n_classes=10,
            labelled_splits=("train", "test"),
            standin="digits",
            files=(
                RemoteFile(
                    _MNIST + "train-images-idx3-ubyte.gz",
                    "train-images-idx3-ubyte.gz",
                    "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                ),
                RemoteFile(
                    _MNIST + "train-labels-idx1-ubyte.gz",
                    "train-labels-idx1-ubyte.gz",
                    "d53e105ee54ea40749a09fcbcd1e9432",
                ),
                RemoteFile(
                    _MNIST + "t10k-images-idx3-ubyte.gz",
                    "t10k-images-idx3-ubyte.gz",
                    "9fb629c4189551a2d022fa330f9573f3",
                ),
                RemoteFile(
                    _MNIST + "t10k-labels-idx1-ubyte.gz",
                    "t10k-labels-idx1-ubyte.gz",
                    "ec29112dd5afa0611ce80d1b7f02629c",
                ),
            ),
            description="MNIST handwritten digits, 28x28 zero-padded to 32x32",
        ),
        DatasetSpec(
            "cifar10",
            channels=3,
            n_classes=10,
            labelled_splits=("train", "test"),
            standin="photos",
            files=(
                RemoteFile(
                    "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                    "cifar-10-python.tar.gz",
                    "c58f30108f718f92721af3b95e74349a",
                ),
            ),
            description="CIFAR-10, 32x32 colour images",
            class_names=(
                "airplane",
                "automobile",
                "bird",
                "cat",
                "deer",
                "dog",
                "frog",
                "horse",
                "ship",
                "truck",
            ),
        ),
        DatasetSpec(
            "stl10",
            channels=3,
            n_classes=10,
            labelled_splits=("train", "test"),
            unlabelled_splits=("unlabeled",),
            standin="photos",
            files=(
                RemoteFile(
                    "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz",
                    "stl10_binary.tar.gz",
                    "91f7769df0f17e558f3565bffb0c7dfb",
                ),
            ),
            description="STL-10, 96x96 reduced to 32x32 by 3x3 area averaging (antialiased)",
            class_names=(
                "airplane",
                "bird",
                "car",
                "cat",
                "deer",
                "dog",
                "horse",
                "monkey",
                "ship",
                "truck",
            ),
        ),
        DatasetSpec(
            "digits",
            channels=1,
            n_classes=10,
            labelled_splits=("train", "test"),
            description="stand-in for MNIST: scikit-learn's 8x8 digits upsampled to 32x32",
        ),
        DatasetSpec(
            "photos",
            channels=3,
            n_classes=10,
            labelled_splits=("train", "test"),
            description="stand-in for CIFAR-10/STL-10: 32x32 patches of scikit-image's colour "
            "photos, one class per photo",
            class_names=(
                "astronaut",
                "cat",
                "coffee",
                "hubble",
                "ihc",
                "motorcycle",
                "retina",
                "rocket",
                "logo",
                "colour wheel",
            ),
        ),
    )
}

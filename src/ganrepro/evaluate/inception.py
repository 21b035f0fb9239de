"""torch-fidelity's Inception weights file: its expected contents, a random stand-in for
rehearsals, and the checks a file passes before the network is built.

The real file (``weights-inception-2015-12-05-6726825d.pth``, torch-fidelity's port of the 2015
TF-Inception) is a plain ``torch.save`` of a dict of float32 tensors: every parameter and
BatchNorm running statistic of ``FeatureExtractorInceptionV3``, without BatchNorm's
``num_batches_tracked`` counters (torch fills those in when a file lacks them). Where it cannot
be downloaded, ``write_random_weights`` writes a file of the same keys, shapes and dtypes with
seeded random values: torch-fidelity's own network and 299x299 resize then run for real, and
only the numbers mean nothing. ``check_weights`` refuses such a file for a real run: torch
hub's naming puts the first hex digits of a file's sha256 in its name, so the real file's
sha256 begins with ``6726825d``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import tempfile
from pathlib import Path

import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from ganrepro.evaluate.classifier import sha256
from ganrepro.evaluate.extractors import (
    INCEPTION_ENV,
    INCEPTION_FILE,
    INCEPTION_SHA256_PREFIX,
    INCEPTION_URL,
    BadWeights,
    MissingWeights,
    RehearsalWeights,
)
from ganrepro.io import DamagedFile, atomic_write, load_tensors

COUNTER = "num_batches_tracked"  # BatchNorm's, absent from the real file; allowed, not required

FIX = (
    f"use torch-fidelity's {INCEPTION_FILE} (download {INCEPTION_URL} on a machine with "
    "internet access) or, for a rehearsal only, random weights from "
    "ganrepro.evaluate.inception.write_random_weights"
)

BN_BIAS_STD = 0.1  # BatchNorm shifts: small, so that ReLUs neither all fire nor all die
FC_BIAS_STD = 0.01


class _Skeleton(FeatureExtractorInceptionV3):
    """torch-fidelity's network with nothing loaded into it: its structure only."""

    def load_state_dict(self, state_dict, strict=True, assign=False):
        return None


@functools.cache
def _reference() -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """Key -> (shape, dtype) of the weights file, from torch-fidelity's own module class (built
    on the meta device: no memory, no download, nothing of torch-fidelity patched)."""
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.pth"
        torch.save({}, empty)
        with torch.device("meta"):
            net = _Skeleton(
                "inception-v3-compat", ["2048"], feature_extractor_weights_path=str(empty)
            )
    return {
        key: (tuple(value.shape), value.dtype)
        for key, value in net.state_dict().items()
        if not key.endswith(f".{COUNTER}")
    }


def reference_shapes() -> dict[str, tuple[int, ...]]:
    """Every key of torch-fidelity's Inception weights file with its shape (the module's state
    dict without BatchNorm's ``num_batches_tracked`` counters, which the real file lacks)."""
    return {key: shape for key, (shape, _) in _reference().items()}


def _random_tensor(
    key: str, shape: tuple[int, ...], dtype: torch.dtype, gen: torch.Generator
) -> torch.Tensor:
    """Values that keep activations at a steady scale through the ~95 conv-BN-ReLU layers:
    He-normal convolutions (variance 2 / fan-in preserves the second moment through a ReLU),
    BatchNorm as the identity (mean 0, variance 1, scale 1) with a small random shift, and a
    classifier layer of variance 1 / fan-in (logits of the features' scale)."""
    if key.endswith(".conv.weight"):
        fan_in = math.prod(shape[1:])
        return torch.randn(shape, generator=gen, dtype=dtype) * math.sqrt(2.0 / fan_in)
    if key.endswith(".bn.weight") or key.endswith(".bn.running_var"):
        return torch.ones(shape, dtype=dtype)
    if key.endswith(".bn.running_mean"):
        return torch.zeros(shape, dtype=dtype)
    if key.endswith(".bn.bias"):
        return torch.randn(shape, generator=gen, dtype=dtype) * BN_BIAS_STD
    if key == "fc.weight":
        return torch.randn(shape, generator=gen, dtype=dtype) * math.sqrt(1.0 / shape[1])
    if key == "fc.bias":
        return torch.randn(shape, generator=gen, dtype=dtype) * FC_BIAS_STD
    raise ValueError(f"no rule for random Inception weights of {key!r}")  # a new torch-fidelity


def random_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """The random weights ``write_random_weights`` saves, in memory."""
    gen = torch.Generator().manual_seed(seed)
    return {
        key: _random_tensor(key, shape, dtype, gen) for key, (shape, dtype) in _reference().items()
    }


def write_random_weights(path: str | Path, seed: int = 0) -> str:
    """Write random Inception weights in torch-fidelity's format to ``path`` (atomically);
    the same seed gives the same bytes (with the same torch). Returns the file's sha256, which
    never begins with the real file's ``6726825d`` but by a chance of 2^-32."""
    buf = io.BytesIO()  # saved from memory: the archive's inner name does not follow ``path``
    torch.save(random_state(seed), buf)
    atomic_write(path, lambda fh: fh.write(buf.getbuffer()))
    return hashlib.sha256(buf.getbuffer()).hexdigest()


def check_weights(path: str | Path, real: bool) -> str:
    """Refuse, with one line naming ``path`` and the fix, a file torch-fidelity's Inception
    cannot load or (``real``: a real run, not a rehearsal) one that is not the real weights.
    Returns the file's sha256.

    Raises ``MissingWeights`` (a FileNotFoundError) when ``path`` is not a file,
    ``BadWeights`` (a ``ganrepro.io.DamagedFile``, so a ValueError) when it is not a dict of
    tensors with the expected keys and shapes, and its subclass ``RehearsalWeights`` when a
    real run is given other weights than the real file's."""
    path = Path(path)
    if not path.is_file():
        what = "a folder" if path.is_dir() else "nothing"
        raise MissingWeights(
            f"{path}: not an Inception weights file (there is {what} there); {FIX}, and set "
            f"evaluation.inception_weights (or ${INCEPTION_ENV}) to its path"
        )
    try:
        state = load_tensors(path, "torch-fidelity Inception weights file", FIX)
    except DamagedFile as exc:  # damaged, foreign or unsafe: the one class of weights errors
        raise BadWeights(path, exc.problem, FIX) from None
    odd = next((k for k, v in state.items() if not torch.is_tensor(v)), None)
    if odd is not None:
        raise BadWeights(
            path,
            f"not a dict of tensors ({odd!r} holds a {type(state[odd]).__name__})",
            FIX,
        )
    expected = {k: shape for k, (shape, _) in _reference().items()}
    counters = {
        k.removesuffix("running_mean") + COUNTER: ()
        for k in expected
        if k.endswith(".bn.running_mean")
    }
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected and k not in counters]
    if missing or unexpected:
        parts = [
            f"{len(keys)} {word} (first: {keys[0]})"
            for keys, word in ((missing, "missing"), (unexpected, "unexpected"))
            if keys
        ]
        raise BadWeights(
            path,
            f"not torch-fidelity's Inception weights: keys {', '.join(parts)}",
            FIX,
        )
    allowed = {**expected, **counters}
    for key, value in state.items():
        if tuple(value.shape) != allowed[key]:
            raise BadWeights(
                path,
                f"not torch-fidelity's Inception weights: {key} has shape "
                f"{tuple(value.shape)}, expected {allowed[key]}",
                FIX,
            )
    digest = sha256(path)
    if real and not digest.startswith(INCEPTION_SHA256_PREFIX):
        raise RehearsalWeights(
            path,
            f"its sha256 begins {digest[:8]}, not {INCEPTION_SHA256_PREFIX} as the real "
            f"{INCEPTION_FILE}'s does: random (rehearsal) weights never serve a real run",
            f"set evaluation.inception_weights (or ${INCEPTION_ENV}) to the real file "
            f"({INCEPTION_URL})",
        )
    return digest

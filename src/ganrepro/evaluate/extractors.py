"""Feature extractors: torch-fidelity's TF-Inception (imported only when a job uses it), and
the pipeline's domain classifiers (:mod:`ganrepro.evaluate.fidelity` registers them with
torch-fidelity as ``ganrepro-classifier``).

``Extractor.features(images)`` maps uint8 (N, C, 32, 32) images to ``{"feat": (N, D),
"logits": (N, K)}``: "feat" feeds FID, KID and precision/recall, "logits" feeds IS.

The Inception weights file is checked before the network is built (``inception.check_weights``):
a real run takes only the real file, a rehearsal (``real=False``) also random weights of the
same format (``inception.write_random_weights``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ganrepro.assets import (
    INCEPTION_ENV,
    INCEPTION_FILE,
    INCEPTION_SHA256_PREFIX,
    INCEPTION_URL,
)
from ganrepro.evaluate.classifier import load_classifier, sha256
from ganrepro.io import DamagedFile
from ganrepro.registry import UnknownName

CLASSIFIER_NAME = "ganrepro-classifier"

# images per forward pass when the caller names none: on the CPU, Inception's 299x299
# activations of 200 images fall out of cache (batch 50 is ~30% faster, benchmarks/RESULTS.md)
BATCH_SIZES = {("inception", "cpu"): 50}
DEFAULT_BATCH_SIZE = 200


class MissingWeights(FileNotFoundError):
    """A feature extractor's weights are not on this machine."""


class BadWeights(DamagedFile):
    """A weights file that is not what the extractor loads (damaged, foreign, wrong keys or
    shapes). A ``DamagedFile``, so a ValueError: bad input, not a bug."""


class RehearsalWeights(BadWeights):
    """Weights other than the real Inception file's (a rehearsal's random ones), or the
    rehearsal's domain classifier, given to a real run."""


class ClassifierFeatures(nn.Module):
    """A domain classifier as a feature extractor: ``(features (N, 128), logits (N, K))`` of
    uint8 images, gradients off."""

    def __init__(self, weights_path: str | Path):
        super().__init__()
        self.model, self.meta = load_classifier(weights_path)
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model(x)


def inception_weights(configured: str | None) -> Path:
    """The local Inception weights file, from params or the environment; fails with one message
    saying which file is missing and where to get it."""
    path = configured or os.environ.get(INCEPTION_ENV)
    if path and Path(path).exists():  # whether it is the right file: ``check_weights``
        return Path(path)
    where = (
        f"{path} does not exist"
        if path
        else (f"neither evaluation.inception_weights in params.yaml nor ${INCEPTION_ENV} is set")
    )
    raise MissingWeights(
        f"Inception weights {INCEPTION_FILE} are needed for FID/IS/KID/PR and {where}. Download "
        f"{INCEPTION_URL} on a machine with internet access, copy it here and set "
        f"evaluation.inception_weights (or ${INCEPTION_ENV}) to its path."
    )


@dataclass
class Extractor:
    """One feature extractor ready to run, with what the protocol records about it."""

    name: str  # "inception" or "classifier"
    module: nn.Module  # images -> (FID/KID/PR features, IS logits)
    layers: tuple[str, str]  # (FID/KID/PR layer, IS layer)
    weights: Path
    info: dict = field(default_factory=dict)
    weights_sha256: str | None = None  # of the file the module was loaded from (None: hash it)
    # what it has done so far (the job's measurement: ganrepro.measure, ganrepro.sizing)
    images_seen: int = field(default=0, compare=False)
    calls: int = field(default=0, compare=False)
    seconds: float = field(default=0.0, compare=False)

    def __post_init__(self):
        if self.weights_sha256 is None:
            self.weights_sha256 = sha256(self.weights)

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def default_batch_size(self) -> int:
        """Images per forward pass for this extractor on its device."""
        return BATCH_SIZES.get((self.name, self.device.type), DEFAULT_BATCH_SIZE)

    @torch.no_grad()
    def features(
        self, images: torch.Tensor, batch_size: int | None = None
    ) -> dict[str, torch.Tensor]:
        """``batch_size``: images per forward pass (default: ``default_batch_size()``); the
        features do not depend on it beyond float rounding."""
        feats, logits = [], []
        device = self.device
        batch_size = batch_size or self.default_batch_size()
        t0 = time.perf_counter()
        for i in range(0, len(images), batch_size):
            x = images[i : i + batch_size].to(device)
            if self.name == "inception" and x.shape[1] == 1:
                x = x.expand(-1, 3, -1, -1)  # grey images: the same plane in R, G and B
            f, lg = self.module(x)
            feats.append(f.double().cpu())
            logits.append(lg.double().cpu())
        self.images_seen += len(images)
        self.calls += 1
        self.seconds += time.perf_counter() - t0
        return {"feat": torch.cat(feats), "logits": torch.cat(logits)}

    def protocol(self) -> dict:
        random = self.name == "inception" and not self.weights_sha256.startswith(
            INCEPTION_SHA256_PREFIX
        )
        return {
            "name": self.name,
            "weights": self.weights.name,
            "weights_sha256": self.weights_sha256,
            "layers": list(self.layers),
            **({"random_weights": True} if random else {}),
            **self.info,
        }


def make_extractor(
    name: str,
    *,
    classifier_path: str | Path | None = None,
    inception: str | None = None,
    device="cpu",
    real: bool = True,
) -> Extractor:
    """``real``: a real run, whose Inception must be the real weights file (False: a
    rehearsal, which may use random weights of the same format)."""
    if name == "inception":
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        from ganrepro.evaluate.inception import check_weights

        weights = inception_weights(inception)
        digest = check_weights(weights, real)  # before torch-fidelity unpickles anything
        module = FeatureExtractorInceptionV3(
            "inception-v3-compat",
            ["2048", "logits_unbiased"],
            feature_extractor_weights_path=str(weights),
        ).to(device, memory_format=torch.channels_last)
        # channels-last weights make oneDNN's convolutions channels-last too: 1.5x less CPU
        # per image on the AMD EPYC build machine (1 and 2 threads, 2026-12-03); the same maths
        # in another memory order (features equal to ~1e-6, like another batch size)
        layers = ("2048", "logits_unbiased")
        return Extractor("inception", module, layers, weights, weights_sha256=digest)
    if name == "classifier":
        if classifier_path is None or not Path(classifier_path).is_file():
            raise MissingWeights(
                f"domain classifier {classifier_path} not found: run "
                "`ganrepro classifier train` first"
            )
        module = ClassifierFeatures(classifier_path)
        if real and "rehearsal_steps" in module.meta:
            raise RehearsalWeights(
                classifier_path,
                f"the REHEARSAL's domain classifier ({module.meta['rehearsal_steps']} steps): "
                "a real run never reads it",
                "pass the real one (results/full/classifiers/...)",
            )
        info = {"dataset": module.meta["dataset"], "test_accuracy": module.meta["test_accuracy"]}
        return Extractor(
            "classifier", module.to(device), ("features", "logits"), Path(classifier_path), info
        )
    raise UnknownName(f"unknown feature extractor {name!r} (known: inception, classifier)")


EXTRACTORS = ("inception", "classifier")

"""A rehearsal result never mixes with a real one: each side refuses the other's checkpoint,
statistics and data by name, before any work (the real-format slice in
tests/workflow/test_rehearsal.py shows the same through the CLI on the rehearsal's own files)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from ganrepro.config import load_params
from ganrepro.config.types import ClassifierConfig
from ganrepro.data.store import RehearsalData
from ganrepro.data.store import load as load_dataset
from ganrepro.evaluate.classifier import train_classifier
from ganrepro.evaluate.extractors import RehearsalWeights, make_extractor
from ganrepro.evaluate.sampling import Sampler
from ganrepro.evaluate.stats import StatsMismatch, compute_stats, load_stats
from ganrepro.train import checkpoint
from ganrepro.train.checkpoint import CheckpointMismatch

from .helpers import RUN


@pytest.fixture(scope="module")
def real(reference, tiny):
    run = load_params(tiny).run(RUN)
    return run, dataclasses.replace(run, rehearsal=2)  # its rehearsal twin


def test_each_side_refuses_the_others_checkpoint(reference, real, tmp_path):
    run, rehearsed = real
    ckpt = reference["run"] / "checkpoint.pt"
    assert Sampler(run, ckpt).step > 0  # the real run reads its own
    with pytest.raises(CheckpointMismatch) as err:
        Sampler(rehearsed, ckpt)
    assert str(err.value).startswith(f"{ckpt} is a real run's checkpoint: the rehearsal never")
    payload = torch.load(ckpt, weights_only=True)
    payload["config"]["rehearsal"] = 2  # what the rehearsal's training writes
    payload["config_hash"] = rehearsed.hash()
    other = tmp_path / "rehearsal.pt"
    checkpoint.save(other, {k: v for k, v in payload.items() if k != "format"})
    assert Sampler(rehearsed, other).step == payload["step"]
    with pytest.raises(CheckpointMismatch) as err:
        Sampler(run, other)
    assert str(err.value).startswith(f"{other} is a REHEARSAL checkpoint (the full-scale")


def test_each_side_refuses_the_others_statistics(reference, prepared, tmp_path):
    ex = make_extractor("classifier", classifier_path=reference["refs"]["classifier"])
    real_stats = reference["refs"]["stats"]
    assert load_stats(real_stats, ex, "train", "photos", rehearsal=False)["n"] > 0
    with pytest.raises(StatsMismatch, match="holds a real run's statistics: the rehearsal never"):
        load_stats(real_stats, ex, "train", "photos", rehearsal=True)
    ours = tmp_path / "stats.npz"
    compute_stats(
        prepared["photos"], ours, [ex], 40, 2, n_samples=20, n_samples_test=20, rehearsal=True
    )
    assert load_stats(ours, ex, "test", "photos", rehearsal=True)["n"] == 40
    with pytest.raises(StatsMismatch, match="holds the REHEARSAL's statistics"):
        load_stats(ours, ex, "train", "photos", rehearsal=False)


def test_a_real_run_refuses_the_rehearsals_classifier(prepared, tmp_path):
    cfg = ClassifierConfig(width=8, epochs=1, lr=1e-3, batch_size=64, max_steps=3)
    ours = tmp_path / "rehearsal.pt"
    train_classifier(prepared["digits"], ours, cfg, seed=0)
    assert make_extractor("classifier", classifier_path=ours, real=False).name == "classifier"
    with pytest.raises(RehearsalWeights, match="the REHEARSAL's domain classifier \\(3 steps\\)"):
        make_extractor("classifier", classifier_path=ours)  # a real run's extractor
    real = tmp_path / "real.pt"
    train_classifier(prepared["digits"], real, dataclasses.replace(cfg, max_steps=None), seed=0)
    assert make_extractor("classifier", classifier_path=real).name == "classifier"


def test_a_real_run_refuses_data_from_the_rehearsals_archives(prepared, tmp_path):
    with np.load(prepared["digits"]) as z:
        arrays = dict(z)
    meta = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(json.dumps({**meta, "rehearsal": True}))
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    with pytest.raises(RehearsalData, match=f"{path} was prepared from the REHEARSAL's"):
        load_dataset(path, rehearsal=False)
    assert len(load_dataset(path, rehearsal=True).x) == len(arrays["train_x"])
    assert len(load_dataset(prepared["digits"], rehearsal=False).x) > 0

"""torch-fidelity's real Inception network (its module, its 299x299 resize) fed a local weights
file of random values in the real file's format: the file, its checks, and the statistics and
evaluation commands run with it at full shapes. Nothing of torch-fidelity is patched.

Inception runs a few images per second on the build machine's CPU: a handful per test."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import math

import numpy as np
import pytest
import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from ganrepro.cli import bad_input_errors
from ganrepro.evaluate import inception as inc
from ganrepro.evaluate.extractors import (
    BadWeights,
    Extractor,
    MissingWeights,
    RehearsalWeights,
    make_extractor,
)
from ganrepro.evaluate.metrics import fid, inception_score, statistics
from ganrepro.evaluate.run import evaluate_run, train_files
from ganrepro.evaluate.stats import _draw, compute_stats, load_stats
from ganrepro.train.run import train

from ..train.helpers import short


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("inception") / "random-inception.pth"
    inc.write_random_weights(path, seed=0)
    return path


@pytest.fixture(scope="module")
def inception(weights):
    return make_extractor("inception", inception=str(weights), real=False)


@pytest.fixture(scope="module")
def photos(prepared):
    """Four colour images of the photos stand-in."""
    return torch.from_numpy(np.load(prepared["photos"])["train_x"][:4])


@pytest.fixture(scope="module")
def photo_features(inception, photos):
    return inception.module(photos)  # torch-fidelity's forward: ("2048", "logits_unbiased")


def test_reference_shapes_are_torch_fidelitys_state_dict():
    shapes = inc.reference_shapes()
    # 94 conv-BN blocks (a conv weight, BN weight, bias, running mean and variance) and fc
    assert len(shapes) == 94 * 5 + 2
    assert shapes["Conv2d_1a_3x3.conv.weight"] == (32, 3, 3, 3)
    assert shapes["Mixed_7c.branch_pool.bn.running_var"] == (192,)
    assert shapes["fc.weight"] == (1008, 2048) and shapes["fc.bias"] == (1008,)
    assert not any(k.endswith("num_batches_tracked") for k in shapes)  # the real file has none
    shapes.clear()
    assert len(inc.reference_shapes()) == 94 * 5 + 2  # a copy of the cached reference


def test_the_random_file_round_trips_through_torch_fidelitys_network(
    weights, inception, photos, photo_features
):
    saved = torch.load(weights, weights_only=True)
    assert type(saved) is dict and list(saved) == list(inc.reference_shapes())
    assert {v.dtype for v in saved.values()} == {torch.float32}
    # the extractor is torch-fidelity's own class, loaded (strictly) from the file
    assert type(inception.module) is FeatureExtractorInceptionV3
    loaded = inception.module.state_dict()
    for key, value in saved.items():
        assert torch.equal(loaded[key], value), key
    feat, logits = photo_features
    assert feat.shape == (4, 2048) and logits.shape == (4, 1008)
    assert feat.dtype == logits.dtype == torch.float32
    assert torch.isfinite(feat).all() and torch.isfinite(logits).all()
    # activations neither vanished nor exploded through the ~95 layers
    assert 0.01 < feat.mean().item() < 10 and 0.01 < logits.std().item() < 10
    for i in range(4):  # distinct images, distinct features and logits
        for j in range(i):
            assert (feat[i] - feat[j]).abs().max() > 1e-3, (i, j)
            assert (logits[i] - logits[j]).abs().max() > 1e-3, (i, j)
    is_mean, _ = inception_score(logits, splits=2)
    assert math.isfinite(is_mean) and is_mean > 1 + 1e-6


def test_inception_score_of_identical_images_is_one(inception, photos, photo_features):
    same = inception.features(photos[:1].expand(3, -1, -1, -1).contiguous())
    assert inception_score(same["logits"], splits=1)[0] == pytest.approx(1.0, abs=1e-9)
    # ... which distinct images are not (their IS is above 1 by more than the tolerance)
    assert inception_score(photo_features[1].double(), splits=1)[0] > 1 + 1e-6


def test_features_do_not_depend_on_the_batch_size(inception, prepared, photos, photo_features):
    grey = torch.from_numpy(np.load(prepared["digits"])["test_x"][:3])  # one plane: expanded
    a, b = inception.features(grey, batch_size=1), inception.features(grey, batch_size=3)
    assert a["feat"].shape == (3, 2048) and a["logits"].shape == (3, 1008)
    # float32 convolutions may group sums differently per batch size: rounding-level only
    torch.testing.assert_close(a["feat"], b["feat"], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(a["logits"], b["logits"], rtol=1e-4, atol=1e-5)
    c = inception.features(photos[:2], batch_size=1)  # colour, one at a time
    torch.testing.assert_close(c["feat"], photo_features[0][:2].double(), rtol=1e-4, atol=1e-5)


@pytest.mark.device
def test_features_on_the_device_are_the_cpus(weights, photos, photo_features, device):
    """torch-fidelity's network on ``--device`` (cuda on a GPU machine) gives the CPU's
    features, up to float rounding (TF32 stays off: PyTorch's default)."""
    on = make_extractor("inception", inception=str(weights), device=device, real=False)
    got = on.features(photos[:2])
    torch.testing.assert_close(got["feat"], photo_features[0][:2].double(), rtol=1e-3, atol=1e-4)


class _Recorder(torch.nn.Module):
    """Stands in for a network: records the batch sizes it is given."""

    def __init__(self):
        super().__init__()
        self.w, self.sizes = torch.nn.Parameter(torch.zeros(1)), []

    def forward(self, x):
        self.sizes.append(len(x))
        return torch.zeros(len(x), 2), torch.zeros(len(x), 3)


def test_the_batch_size_follows_the_extractor_and_device(weights):
    """Inception on the CPU: 50 per pass (~30% faster than 200 there); otherwise 200."""
    for name, size, expect in (("inception", 50, [50, 50, 20]), ("classifier", 200, [120])):
        ex = Extractor(name, _Recorder(), ("a", "b"), weights, weights_sha256="0" * 64)
        assert ex.default_batch_size() == size
        out = ex.features(torch.zeros(120, 3, 1, 1, dtype=torch.uint8))
        assert ex.module.sizes == expect and out["feat"].shape == (120, 2)
        ex.module.sizes.clear()
        ex.features(torch.zeros(120, 3, 1, 1, dtype=torch.uint8), batch_size=70)
        assert ex.module.sizes == [70, 50]


def test_the_protocol_names_random_weights(weights, inception):
    proto = inception.protocol()
    assert proto["name"] == "inception" and proto["weights"] == weights.name
    assert proto["weights_sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert proto["random_weights"] is True
    assert proto["layers"] == ["2048", "logits_unbiased"]
    real = Extractor("inception", inception.module, ("2048", "logits_unbiased"), weights, {},
                     "6726825d" + "0" * 56)  # fmt: skip
    assert "random_weights" not in real.protocol()


def test_the_same_seed_gives_the_same_bytes(weights, tmp_path):
    again = tmp_path / "a" / "other-name.pth"
    digest = inc.write_random_weights(again, seed=0)
    assert again.read_bytes() == weights.read_bytes()
    assert digest == hashlib.sha256(again.read_bytes()).hexdigest()
    assert inc.write_random_weights(tmp_path / "b.pth", seed=1) != digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b.pth"]  # no temporary left
    assert not digest.startswith("6726825d")


def test_a_real_run_refuses_random_weights(weights, monkeypatch):
    with pytest.raises(RehearsalWeights) as err:
        make_extractor("inception", inception=str(weights))  # a real run by default
    msg = str(err.value)
    assert str(weights) in msg and "\n" not in msg
    assert "6726825d" in msg and "never serve a real run" in msg
    assert isinstance(err.value, bad_input_errors())  # the CLI: one line, exit code 2
    sha = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert inc.check_weights(weights, real=False) == sha  # a rehearsal takes them
    # a file with the real file's hash prefix passes (no such file can be made here)
    monkeypatch.setattr(inc, "sha256", lambda path: "6726825d" + sha[8:])
    assert inc.check_weights(weights, real=True).startswith("6726825d")


def _full(**changes):
    """A state dict of the expected keys and shapes (zeros), with ``changes``."""
    state = {k: torch.zeros(shape) for k, shape in inc.reference_shapes().items()}
    return {**state, **changes}


def _wrong_keys():
    state = {k: torch.zeros(1) for k in list(inc.reference_shapes())[2:]}
    return {**state, "extra.weight": torch.zeros(1), "extra.bias": torch.zeros(1)}


BAD = {
    "a folder": (lambda p: p.mkdir(), "there is a folder there"),
    "empty": (lambda p: p.write_bytes(b""), "(empty)"),
    "garbage": (lambda p: p.write_bytes(b"not a torch file" * 10), "truncated or foreign"),
    "truncated": (
        lambda p: (torch.save(_full(), p), p.write_bytes(p.read_bytes()[: 10**6])),
        "truncated or foreign",
    ),
    "a list": (lambda p: torch.save([torch.zeros(1)], p), "it holds a list"),
    "a number in the dict": (
        lambda p: torch.save({"fc.weight": 3}, p),
        "not a dict of tensors ('fc.weight' holds a int)",
    ),
    "an object": (
        lambda p: torch.save({"fc.weight": argparse.Namespace()}, p),
        "refused: it holds a argparse.Namespace object",
    ),
    "wrong keys": (
        lambda p: torch.save(_wrong_keys(), p),
        "keys 2 missing (first: Conv2d_1a_3x3.conv.weight), 2 unexpected (first: extra.weight)",
    ),
    "a wrong shape": (
        lambda p: torch.save(_full(**{"Mixed_6b.branch7x7_2.conv.weight": torch.zeros(2)}), p),
        "Mixed_6b.branch7x7_2.conv.weight has shape (2,), expected (128, 128, 1, 7)",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_weights_file_is_one_line_naming_it_and_the_fix(case, tmp_path):
    make, problem = BAD[case]
    path = tmp_path / "weights.pth"
    make(path)
    with pytest.raises((MissingWeights, BadWeights)) as err:
        inc.check_weights(path, real=False)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{path}: ")
    assert problem in msg
    assert "weights-inception-2015-12-05-6726825d.pth" in msg and "write_random_weights" in msg
    assert isinstance(err.value, bad_input_errors())  # the CLI: one line, exit code 2
    # make_extractor checks the file before torch-fidelity loads (unpickles) anything
    with pytest.raises(type(err.value)):
        make_extractor("inception", inception=str(path), real=False)


def test_batchnorm_counters_are_allowed_not_required(tmp_path):
    """A file saved from the module's own state dict (with BatchNorm's num_batches_tracked)
    loads in torch-fidelity as the real file (without them) does."""
    counters = {
        k.replace("running_mean", "num_batches_tracked"): torch.tensor(0)
        for k in inc.reference_shapes()
        if k.endswith("running_mean")
    }
    torch.save(_full(**counters), tmp_path / "w.pth")
    inc.check_weights(tmp_path / "w.pth", real=False)
    wrong = {**counters, "fc.num_batches_tracked": torch.tensor(0)}
    torch.save(_full(**wrong), tmp_path / "w.pth")
    with pytest.raises(BadWeights, match="1 unexpected .first: fc.num_batches_tracked"):
        inc.check_weights(tmp_path / "w.pth", real=False)


def test_stats_and_evaluation_run_inception_at_full_shapes(
    quick_params, prepared, inception, tmp_path
):
    """``ganrepro stats`` and ``ganrepro evaluate`` with Inception on a few grey images (a
    short ding/gan run on the digits stand-in); FID of a set against its own statistics ~0.
    Each FID takes seconds here (torch-fidelity's sqrtm of 2048x2048 matrices): the run is
    scored without its curve (the classifier's tests cover the curve and the best checkpoint)."""
    n = 5
    stats = tmp_path / "stats.npz"
    meta = compute_stats(prepared["digits"], stats, [inception], n, 2, n_samples=4,
                         n_samples_test=4)  # fmt: skip
    assert meta["extractors"]["inception"] == inception.protocol()
    ref = load_stats(stats, inception, "train", "digits")
    assert ref["mu"].shape == (2048,) and ref["sigma"].shape == (2048, 2048)
    assert ref["feat"].shape == (n, 2048) and all(map(math.isfinite, ref["is"]))
    floor = ref["floor"]["fid"]
    assert math.isfinite(floor) and floor > 0 and ref["floor"]["n"] == 4
    # the same images again, in other batches: FID ~0 against their own statistics, far below
    # the floor (other real images)
    same = torch.from_numpy(_draw(np.load(prepared["digits"])["train_x"], n, 0))
    again = fid(statistics(inception.features(same, batch_size=2)["feat"]), ref)
    assert abs(again) < 1e-4 * floor

    run = short(quick_params.run("ding/gan"), 2, checkpoints=1)
    train(run, prepared["digits"], tmp_path / "run", seed=0, device="cpu", threads=2)
    (tmp_path / "no-ckpt").mkdir()
    trained = {**train_files(tmp_path / "run"), "ckpt": tmp_path / "no-ckpt"}
    ev = dataclasses.replace(
        quick_params.evaluation,
        extractors=("inception",),
        n_samples=n,
        n_samples_test=n,
        draws=1,
        is_splits=1,
        kid_subsets=3,
        kid_subset_size=4,
    )
    res = evaluate_run(run, trained, stats, tmp_path / "metrics.json", [inception], ev)
    for split in ("final", "final_test"):
        for key in ("fid", "is_mean", "kid_mean", "precision", "recall"):
            assert math.isfinite(res[split]["inception"][key]), (split, key)
        assert res[split]["inception"]["fid"] > 0
    assert res["curve"] == [] and res["best"] is None
    assert res["protocol"]["extractors"]["inception"]["random_weights"] is True

"""Classifier, extractors, reference statistics and `ganrepro evaluate` on real (short) runs."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

from ganrepro import layout
from ganrepro.evaluate import extractors as ex_mod
from ganrepro.evaluate.classifier import train_classifier
from ganrepro.evaluate.extractors import MissingWeights, make_extractor
from ganrepro.evaluate.metrics import fid, statistics
from ganrepro.evaluate.run import evaluate_run
from ganrepro.evaluate.sampling import Sampler
from ganrepro.evaluate.stats import compute_stats, load_stats
from ganrepro.evaluate.visuals import sample_part, save_samples
from ganrepro.plots.samples import load_samples
from ganrepro.train.run import train

from ..plots.test_samples import hand_made
from ..train.helpers import at_step, poison_critic, short


@pytest.fixture(scope="module")
def classifiers(quick_params, prepared, tmp_path_factory):
    folder = tmp_path_factory.mktemp("classifiers")
    info = {}
    for name, path in prepared.items():
        info[name] = train_classifier(
            path, folder / f"{name}.pt", quick_params.classifier, seed=0, threads=2
        )
        info[name]["path"] = folder / f"{name}.pt"
    return info


def test_classifier_reaches_95_percent_on_the_digits_standin(classifiers):
    assert classifiers["digits"]["test_accuracy"] >= 0.95
    assert classifiers["photos"]["test_accuracy"] >= 0.95


def test_features_do_not_depend_on_the_batch_size(classifiers, prepared):
    ex = make_extractor("classifier", classifier_path=classifiers["digits"]["path"])
    x = torch.from_numpy(np.load(prepared["digits"])["test_x"][:120])
    a, b = ex.features(x, batch_size=7), ex.features(x, batch_size=120)
    # float32 convolutions may group sums differently per batch size: rounding-level only
    torch.testing.assert_close(a["feat"], b["feat"], rtol=1e-4, atol=1e-5)
    sa, sb = statistics(a["feat"]), statistics(b["feat"])
    # ~0 to rounding: the covariance's trace sets the scale (its rounding-level negative
    # eigenvalues, which FID's square root cannot take, leave ~1e-7 of it)
    assert fid(sa, sb) == pytest.approx(0.0, abs=1e-6 * np.trace(sa["sigma"]))


def test_torch_fidelity_takes_the_classifier_by_its_registered_name(classifiers, prepared):
    """Importing ganrepro.evaluate.fidelity registers ``ganrepro-classifier``; torch-fidelity's
    extractor of that name gives the pipeline's own features (which never import it)."""
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

    import ganrepro.evaluate.fidelity  # noqa: F401

    path = classifiers["photos"]["path"]
    theirs = FEATURE_EXTRACTORS_REGISTRY[ex_mod.CLASSIFIER_NAME](
        ex_mod.CLASSIFIER_NAME, ["logits", "features"], feature_extractor_weights_path=str(path)
    )
    ours = make_extractor("classifier", classifier_path=path)
    x = torch.from_numpy(np.load(prepared["photos"])["test_x"][:50])
    logits, feats = theirs(x)
    got = ours.features(x, batch_size=50)
    assert torch.equal(feats.double(), got["feat"]) and torch.equal(logits.double(), got["logits"])
    # the jobs' modules import no torch-fidelity (a fresh interpreter, as a job starts)
    code = (
        "import sys, ganrepro.evaluate.run, ganrepro.evaluate.stats, ganrepro.evaluate.visuals;"
        "print(sorted(m for m in sys.modules if m.startswith('torch_fidelity')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_inception_weights_name_the_file_and_where_to_get_it(monkeypatch, tmp_path):
    monkeypatch.delenv(ex_mod.INCEPTION_ENV, raising=False)
    with pytest.raises(MissingWeights) as err:
        make_extractor("inception", inception=None)
    msg = str(err.value)
    assert "weights-inception-2015-12-05-6726825d.pth" in msg
    assert "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/" in msg
    assert "evaluation.inception_weights" in msg
    with pytest.raises(MissingWeights, match=f"{tmp_path / 'nope.pth'} does not exist"):
        make_extractor("inception", inception=str(tmp_path / "nope.pth"))


def test_evaluate_fails_before_sampling_when_inception_weights_are_missing(
    root, raw_params, tmp_path, monkeypatch
):
    monkeypatch.delenv(ex_mod.INCEPTION_ENV, raising=False)
    raw = json.loads(json.dumps(raw_params))
    raw["evaluation"]["extractors"] = ["inception", "classifier"]
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump(raw))
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "ganrepro.cli",
            "evaluate",
            "frank/wgan",
            "--params",
            str(params),
            *("--checkpoint", str(tmp_path / "no-run/checkpoint.pt")),
            *("--summary", str(tmp_path / "no-run/train.json")),
            *("--log", str(tmp_path / "no-run/log.csv")),
            *("--ckpt-dir", str(tmp_path / "no-run/ckpt")),
            "--stats",
            str(tmp_path / "no-stats.npz"),
            "--out",
            str(tmp_path / "metrics.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert "weights-inception-2015-12-05-6726825d.pth" in res.stderr
    assert not (tmp_path / "metrics.json").exists()


def test_registered_classifier_gives_torch_fidelitys_own_fid(classifiers, prepared):
    """torch-fidelity's end-to-end calculate_metrics with our registered extractor agrees with
    the pipeline's features -> statistics -> FID."""
    import torch_fidelity

    z = np.load(prepared["photos"])
    a, b = torch.from_numpy(z["train_x"][:300]), torch.from_numpy(z["test_x"][:300])

    class DS(torch.utils.data.Dataset):
        def __init__(self, x):
            self.x = x

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return self.x[i]

    out = torch_fidelity.calculate_metrics(
        input1=DS(a),
        input2=DS(b),
        fid=True,
        isc=True,
        cuda=False,
        save_cpu_ram=True,
        verbose=False,
        feature_extractor="ganrepro-classifier",
        batch_size=64,
        feature_extractor_weights_path=str(classifiers["photos"]["path"]),
        cache=False,
    )
    ex = make_extractor("classifier", classifier_path=classifiers["photos"]["path"])
    ours = fid(statistics(ex.features(a)["feat"]), statistics(ex.features(b)["feat"]))
    assert out["frechet_inception_distance"] == pytest.approx(ours, rel=1e-5)


def _counts(params) -> dict[str, int]:
    """The final sample counts the stats' real-data floor is scored with."""
    ev = params.evaluation
    return {"n_samples": ev.n_samples, "n_samples_test": ev.n_samples_test}


@pytest.fixture(scope="module")
def evaluated(quick_params, prepared, classifiers, tmp_path_factory):
    """A short trained run, its reference statistics and its evaluation."""
    folder = tmp_path_factory.mktemp("eval")
    run = short(quick_params.run("agarwal/cgan"), 6, checkpoints=2)
    train(run, prepared["photos"], folder / "run", seed=0, device="cpu", threads=2)
    ex = [make_extractor("classifier", classifier_path=classifiers["photos"]["path"])]
    stats = folder / "photos_stats.npz"
    compute_stats(prepared["photos"], stats, ex, 400, 10, **_counts(quick_params))
    return run, folder, ex, stats


def test_evaluate_writes_metrics_with_protocol_and_status(quick_params, evaluated):
    run, folder, ex, stats = evaluated
    res = evaluate_run(
        run, folder / "run", stats, folder / "metrics.json", ex, quick_params.evaluation
    )
    saved = json.loads((folder / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(res))
    assert saved["status"] == "completed" and saved["run_id"] == "agarwal/cgan"
    assert [c["step"] for c in saved["curve"]] == [0, 3, 6]
    final = saved["final"]["classifier"]
    for key in ("fid", "is_mean", "is_std", "kid_mean", "precision", "recall", "accuracy"):
        assert np.isfinite(final[key]), key
    assert len(final["class_accuracy"]) == 10
    proto = saved["protocol"]
    assert proto["n_samples"] == quick_params.evaluation.n_samples
    assert proto["sample_seed"] == quick_params.evaluation.seed
    assert proto["extractors"]["classifier"]["weights_sha256"]
    assert proto["reference_split"]["final_test"] == "test"
    assert saved["final_test"]["classifier"]["fid"] > 0
    rows = (folder / "run" / "log.csv").read_text().strip().splitlines()[1:]
    for key in ("loss_d", "loss_g"):  # the log's summary for the stability claims
        summary = saved["losses"][key]
        assert summary["n"] == len(rows) and summary["q05"] <= summary["q95"], key
    assert saved["trained_on_test"] is False
    # the real-data floor is the statistics file's, beside the real data's IS
    floor = {split: load_stats(stats, ex[0], split)["floor"] for split in ("train", "test")}
    assert saved["reference"]["classifier"]["floor"] == floor
    assert floor["train"]["n"] > 0 and floor["test"]["n"] > 0


def test_a_run_trained_on_the_test_split_reports_no_test_metrics(
    quick_params, prepared, classifiers, tmp_path
):
    """acwgan/stl10 trains on STL-10's train + test images: "test" metrics would score
    images it trained on, so there are none, and metrics.json says why."""
    run = short(quick_params.run("acwgan/stl10"), 2, checkpoints=1)
    assert "test" in run.splits
    train(run, prepared["photos"], tmp_path / "run", seed=0, device="cpu", threads=1)
    ex = [make_extractor("classifier", classifier_path=classifiers["photos"]["path"])]
    stats = tmp_path / "stats.npz"
    compute_stats(prepared["photos"], stats, ex, 200, 10, **_counts(quick_params))
    ev = quick_params.evaluation
    res = evaluate_run(run, tmp_path / "run", stats, tmp_path / "metrics.json", ex, ev)
    assert res["final_test"] is None and res["trained_on_test"] is True
    assert res["protocol"]["reference_split"]["final_test"] is None
    assert np.isfinite(res["final"]["classifier"]["fid"])  # train-split metrics as usual


def test_a_second_evaluation_does_not_recompute_reference_statistics(
    quick_params, evaluated, monkeypatch
):
    run, folder, ex, stats = evaluated
    before = stats.read_bytes()
    import ganrepro.evaluate.stats as stats_mod

    monkeypatch.setattr(stats_mod, "compute_stats", lambda *a, **k: pytest.fail("recomputed"))
    calls = []
    original = type(ex[0]).features
    monkeypatch.setattr(
        type(ex[0]),
        "features",
        lambda self, x, batch_size=None: calls.append(len(x)) or original(self, x, batch_size),
    )
    evaluate_run(run, folder / "run", stats, folder / "m1.json", ex, quick_params.evaluation)
    first = list(calls)
    calls.clear()
    evaluate_run(run, folder / "run", stats, folder / "m2.json", ex, quick_params.evaluation)
    ev = quick_params.evaluation
    best = json.loads((folder / "m1.json").read_text())["best"]
    extra = [] if best["step"] == 6 else [ev.n_samples, ev.n_samples_test]  # the best checkpoint
    # only generated samples are featurised: 3 curve points, the final and the final-test set,
    # the further draws of the final checkpoint and the best checkpoint unless it is the last
    assert (
        first
        == calls
        == [ev.n_samples_curve] * 3
        + [ev.n_samples, ev.n_samples_test]
        + [ev.n_samples] * (ev.draws - 1)
        + extra
    )
    assert stats.read_bytes() == before
    assert (folder / "m1.json").read_text() == (folder / "m2.json").read_text()  # seeded


def test_stats_refuse_an_extractor_with_other_weights(evaluated, classifiers):
    _, _, _, stats = evaluated
    other = make_extractor("classifier", classifier_path=classifiers["digits"]["path"])
    with pytest.raises(Exception, match="other classifier weights"):
        load_stats(stats, other, "train")


def test_sample_parts_hold_the_samplers_images_for_the_evaluation_seed(quick_params, evaluated):
    """The arrays the figures draw are the generator's, sampled by the rules of ``visuals``:
    the same latents and labels give the same numbers. Each part is its own file with only
    its own arrays (plus the shared metadata), and a part reads only its own settings."""
    run, folder, ex, stats = evaluated
    ev = quick_params.evaluation
    sampler = Sampler(run, folder / "run" / "checkpoint.pt")
    parts = {}
    for part in layout.PARTS:
        save_samples(folder / f"{part}.npz", sample_part(sampler, ev, part))
        parts[part] = load_samples(folder / f"{part}.npz")
    meta = {"per_class", "class_names", "conditional", "step", "run_id", "config_hash"}
    own = {"grid", "grid_y", "sample", "sample_y", "paired", "paired_y"}
    assert set(parts["samples"]) - meta == own
    assert set(parts["cherry"]) - meta == {"cherry"}
    saved = {k: v for p in parts.values() for k, v in p.items()}
    assert set(saved) == set(hand_made(True))
    # a part's arrays do not move when another part's settings do
    other = dataclasses.replace(ev, cherry_pool=ev.cherry_pool + 7, interpolation_steps=3)
    again = sample_part(sampler, other, "samples")
    for key in ("grid", "sample", "paired"):
        np.testing.assert_array_equal(again[key], parts["samples"][key])
    assert sample_part(sampler, other, "interpolation")["interpolation"].shape[0] == 8 * 3
    z, _ = sampler.latents(100, ev.seed)
    rows = torch.arange(10).repeat_interleave(10)  # agarwal/cgan is conditional: class rows
    np.testing.assert_array_equal(saved["grid"], sampler.uint8(z, rows).numpy())
    np.testing.assert_array_equal(saved["grid_y"], rows.numpy())
    x, y = sampler.sample(100, ev.seed)
    np.testing.assert_array_equal(saved["sample"], x.numpy())
    np.testing.assert_array_equal(saved["sample_y"], y.numpy())
    zp, _ = sampler.latents(80, ev.seed)
    yp = torch.arange(10).repeat_interleave(8)  # eight of each class, beside eight real ones
    np.testing.assert_array_equal(saved["paired"], sampler.uint8(zp, yp).numpy())
    np.testing.assert_array_equal(saved["paired_y"], yp.numpy())
    assert saved["grid"].dtype == np.uint8 and saved["step"] == sampler.step
    steps = ev.interpolation_steps
    assert saved["interpolation"].shape == (8 * steps, 3, 32, 32)
    np.testing.assert_array_equal(saved["interpolation_y"], np.repeat(np.arange(8), steps))
    assert saved["cherry"].shape == (80, 3, 32, 32)
    # the cherry-picks of class 0 are its best-scored samples out of the pool
    zc, _ = sampler.latents(ev.cherry_pool, ev.seed)
    pool = sampler.uint8(zc, torch.zeros(ev.cherry_pool, dtype=torch.long))
    best = sampler.critic(pool, torch.zeros(ev.cherry_pool, dtype=torch.long)).max()
    top = sampler.critic(torch.from_numpy(saved["cherry"][:1]), torch.zeros(1, dtype=torch.long))
    assert top.item() == pytest.approx(best.item(), rel=1e-5)


def test_sampler_reproduces_the_trainers_generator(quick_params, evaluated):
    run, folder, _, _ = evaluated
    sampler = Sampler(run, folder / "run" / "checkpoint.pt")
    a, ya = sampler.sample(20, seed=5)
    b, yb = sampler.sample(20, seed=5)
    assert torch.equal(a, b) and torch.equal(ya, yb) and a.dtype == torch.uint8
    assert ya.tolist() == [i % 10 for i in range(20)]


def test_diverged_status_is_carried_into_metrics(quick_params, prepared, classifiers, tmp_path):
    run = short(quick_params.run("frank/wgan"), 4, checkpoints=2)

    hook = at_step(2, poison_critic, before=True)
    train(run, prepared["photos"], tmp_path / "run", seed=0, device="cpu", trainer_hook=hook)
    ex = [make_extractor("classifier", classifier_path=classifiers["photos"]["path"])]
    compute_stats(prepared["photos"], tmp_path / "s.npz", ex, 300, 10, **_counts(quick_params))
    res = evaluate_run(
        run,
        tmp_path / "run",
        tmp_path / "s.npz",
        tmp_path / "m.json",
        ex,
        quick_params.evaluation,
    )
    assert res["status"] == "diverged" and res["step"] == 2
    # an unconditional run's cherry-picks are sorted into rows by the domain classifier
    sampler = Sampler(run, tmp_path / "run" / "checkpoint.pt")
    classify = lambda x: ex[0].features(x)["logits"].argmax(1)  # noqa: E731
    cherry = sample_part(sampler, quick_params.evaluation, "cherry", classify)
    grid = sample_part(sampler, quick_params.evaluation, "samples")
    assert cherry["cherry"].shape == (80, 3, 32, 32) and (grid["grid_y"] == -1).all()
    with pytest.raises(ValueError, match="needs a domain classifier"):
        sample_part(sampler, quick_params.evaluation, "cherry")
    assert [c["step"] for c in res["curve"]] == [0, 2]
    assert res["best"] is None  # a diverged run has no best checkpoint


def _scripted(monkeypatch, scripted):
    """Evaluation whose FIDs are ``scripted[reference split][checkpoint step]`` (other metrics
    as measured); returns the list of (split, step, n, seed) it scored."""
    import ganrepro.evaluate.run as run_mod

    load, score, calls = run_mod.load_stats, run_mod._score, []
    monkeypatch.setattr(run_mod, "load_stats", lambda *a: {**load(*a), "split": a[2]})

    def fake(sampler, n, ev, extractors, refs, seed=None):
        out, feats = score(sampler, n, ev, extractors, refs, seed)
        split = refs["classifier"]["split"]
        calls.append((split, sampler.step, n, ev.seed if seed is None else seed))
        out["classifier"]["fid"] = scripted[split][sampler.step]
        return out, feats

    monkeypatch.setattr(run_mod, "_score", fake)
    return calls


def test_best_is_the_lowest_train_fid_never_the_test_one(quick_params, evaluated, monkeypatch):
    """The train FID is lowest at step 3, the test FID at step 0: best is step 3, scored
    with the final protocol (n_samples vs train, n_samples_test vs test)."""
    run, folder, ex, stats = evaluated
    ev = quick_params.evaluation
    scripted = {"train": {0: 30.0, 3: 10.0, 6: 20.0}, "test": {0: 1.0, 3: 50.0, 6: 5.0}}
    calls = _scripted(monkeypatch, scripted)
    res = evaluate_run(run, folder / "run", stats, folder / "mb.json", ex, ev)
    best = res["best"]
    assert best["step"] == 3
    assert best["final"]["classifier"]["fid"] == 10.0
    assert best["final_test"]["classifier"]["fid"] == 50.0
    assert "lowest train-split FID (classifier)" in best["selected_by"]
    assert str(ev.n_samples_curve) in best["selected_by"]
    assert ("train", 3, ev.n_samples, ev.seed) in calls
    assert ("test", 3, ev.n_samples_test, ev.seed) in calls
    # the test statistics score final_test and best's final_test only, never the curve
    assert [c for c in calls if c[0] == "test"] == [
        ("test", 6, ev.n_samples_test, ev.seed),
        ("test", 3, ev.n_samples_test, ev.seed),
    ]
    assert best["final"]["classifier"]["fid"] != res["final"]["classifier"]["fid"]


def test_best_at_the_final_step_copies_the_final_numbers(quick_params, evaluated, monkeypatch):
    run, folder, ex, stats = evaluated
    ev = quick_params.evaluation
    scripted = {"train": {0: 30.0, 3: 10.0, 6: 2.0}, "test": {0: 1.0, 3: 0.5, 6: 5.0}}
    calls = _scripted(monkeypatch, scripted)
    res = evaluate_run(run, folder / "run", stats, folder / "mf.json", ex, ev)
    assert res["best"]["step"] == 6 == res["step"]
    assert res["best"]["final"] == res["final"]
    assert res["best"]["final_test"] == res["final_test"]
    assert calls[:3] == [("train", step, ev.n_samples_curve, ev.seed) for step in (0, 3, 6)]
    assert calls[3:] == [
        ("train", 6, ev.n_samples, ev.seed),
        ("test", 6, ev.n_samples_test, ev.seed),
        *[("train", 6, ev.n_samples, ev.seed + i) for i in range(1, ev.draws)],
    ]  # nothing scored twice


def test_final_draws_start_with_final_and_differ(quick_params, evaluated):
    run, folder, ex, stats = evaluated
    ev = quick_params.evaluation
    res = evaluate_run(run, folder / "run", stats, folder / "md.json", ex, ev)
    draws, final = res["final_draws"], res["final"]
    assert res["protocol"]["draws"] == ev.draws >= 2
    assert set(draws) == set(final) == {"white_fraction", "classifier"}
    assert set(draws["classifier"]) == set(final["classifier"])
    for key, value in final["classifier"].items():
        assert len(draws["classifier"][key]) == ev.draws
        assert draws["classifier"][key][0] == value, key  # draw 0 is final, exactly
    assert draws["white_fraction"][0] == final["white_fraction"]
    assert len(set(draws["classifier"]["fid"])) == ev.draws  # other latents, other numbers
    assert len(set(draws["classifier"]["is_mean"])) == ev.draws
    # draw 1: the final checkpoint's n_samples from latent seed seed + 1, against train stats
    x, _ = Sampler(run, folder / "run" / "checkpoint.pt").sample(ev.n_samples, ev.seed + 1)
    ref = load_stats(stats, ex[0], "train")
    expect = fid(statistics(ex[0].features(x)["feat"]), {"mu": ref["mu"], "sigma": ref["sigma"]})
    assert draws["classifier"]["fid"][1] == expect

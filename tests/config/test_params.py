"""params.yaml: the shipped file loads at both scales; malformed files fail with one message."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys

import pytest
import yaml

from ganrepro.config import ParamsError, load_params, params_schema, parse_params, resolve_scale
from ganrepro.config.schema import MODEL_FIELDS
from ganrepro.config.types import ModelConfig
from ganrepro.registry import ARCHITECTURES

# SPEC: the five sources and every run they list.
EXPECTED_RUNS = {
    "acwgan": {"cifar10", "stl10"},
    "agarwal": {"simple_gan", "dcgan", "wgan_gp", "cgan"},
    "ding": {
        "gan",
        "wgan",
        "cgan",
        "wgan_gp",
        "wgan_ncritic3",
        "wgan_ncritic7",
        "wgan_clip0005",
        "wgan_clip0015",
        "wgan_lr3e4",
        "wgan_lr1e3",
    },
    "frank": {"dcgan", "wgan", "wgan_gp"},
    "zhu": {
        "cfg_dcgan_mnist",
        "wgan_gp_dcgan_mnist",
        "dcgan_mnist",
        "cfg_dcgan_cifar10",
        "wgan_gp_dcgan_cifar10",
        "dcgan_cifar10",
        "cfg_resnet_cifar10",
        "wgan_gp_resnet_cifar10",
    },
}


@pytest.mark.parametrize("scale", ["quick", "small", "full"])
def test_shipped_params_load_at_every_scale(root, scale):
    params = load_params(root / "params.yaml", scale=scale)
    found: dict[str, set] = {}
    for run in params.runs.values():
        found.setdefault(run.source, set()).add(run.name)
    assert found == EXPECTED_RUNS
    real = {"mnist", "cifar10", "stl10"}
    if scale == "full":
        assert set(params.data_names()) == real  # never a stand-in at full scale
    else:
        assert set(params.data_names()) == {"digits", "photos"}


def test_full_scale_uses_the_sources_settings(root):
    p = load_params(root / "params.yaml", scale="full")
    ac = p.run("acwgan/cifar10")
    assert (ac.optim.lr, ac.optim.betas, ac.optim.lr_decay) == (2e-4, (0.0, 0.9), "linear")
    assert (ac.schedule.batch_size, ac.schedule.g_batch_size, ac.schedule.iterations) == (
        64,
        128,
        100000,
    )
    assert (ac.objective.gp, ac.objective.ac.d, ac.objective.ac.g) == (10, 1.0, 0.1)
    wgan = p.run("frank/wgan")
    assert (
        wgan.optim.name,
        wgan.optim.lr,
        wgan.objective.clip,
        wgan.schedule.epochs,
        wgan.schedule.batch_size,
        wgan.schedule.n_critic,
    ) == ("rmsprop", 5e-5, 0.01, 100, 64, 5)
    study = {n: p.run(f"ding/{n}") for n in EXPECTED_RUNS["ding"] if n.startswith("wgan_")}
    assert study["wgan_ncritic3"].schedule.n_critic == 3
    assert study["wgan_clip0015"].objective.clip == 0.015
    assert study["wgan_lr1e3"].optim.lr == 1e-3
    assert p.run("ding/cgan").model.g_branches == (200, 1000)
    cfg = p.run("zhu/cfg_dcgan_cifar10").cfg
    assert (cfg.T, cfg.eta, cfg.approx_n, cfg.approx_epochs, cfg.guard) == (15, 0.5, 640, 10, 40)


def test_full_scale_follows_the_cited_code(root):
    """Issue 13: the settings the sources' own code uses where the text is silent."""
    p = load_params(root / "params.yaml", scale="full")
    for run_id in ("zhu/cfg_dcgan_mnist", "zhu/cfg_dcgan_cifar10", "zhu/cfg_resnet_cifar10"):
        run = p.run(run_id)
        # train_cfggan.py:103 (optimiser), :34 (stages); cfggan.py:50 (guard from stage 2000)
        assert (run.optim.name, run.optim.alpha, run.optim.eps) == ("rmsprop", 0.95, 1e-18)
        assert (run.schedule.stages, run.cfg.guard_after) == (10000, 2000)
        assert run.model.d_norm == "none"
        # train_cfggan.py:91-96: eta of a DCGAN-x D without BN
        assert run.cfg.eta == (2.5 if run.dataset == "mnist" else 0.5)
    dcgan = p.run("frank/dcgan")
    assert (dcgan.objective.real_label, dcgan.objective.fake_label) == (0.9, 0.1)
    assert dcgan.objective.g_label == 0.9
    for name in ("dcgan", "wgan", "wgan_gp"):
        assert (p.run(f"frank/{name}").model.width, p.run(f"frank/{name}").model.g_width) == (
            64,
            128,
        )
    assert p.run("frank/wgan_gp").model.d_norm == "none"  # drop_batch=True
    gp = p.run("ding/wgan_gp")  # gan_mnist.py:150-158
    assert (gp.optim.name, gp.optim.lr, gp.optim.betas) == ("adam", 1e-4, (0.5, 0.9))
    zr = p.run("zhu/wgan_gp_resnet_cifar10")  # gan_cifar_resnet.py:36-45
    assert (zr.optim.lr, zr.optim.lr_decay, zr.model.d_norm) == (2e-4, "linear", "none")
    assert (zr.schedule.batch_size, zr.schedule.g_batch_size) == (64, 128)
    for name in ("wgan_gp", "cgan"):
        assert p.run(f"agarwal/{name}").schedule.reuse_real


def test_committed_schema_is_generated_from_the_registries(root):
    committed = json.loads((root / "workflow/schemas/params.schema.json").read_text())
    assert committed == params_schema()


def test_schema_model_fields_match_the_dataclass():
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    common = {"arch", "z_dim", "conditioning", "init"}
    for arch in ARCHITECTURES:
        assert common | set(MODEL_FIELDS[arch]) <= fields, arch


def test_resolve_scale_picks_per_scale_values():
    raw = {"a": {"quick": 1, "full": 2}, "b": [{"quick": "x", "full": "y"}], "c": {"d": 3}}
    assert resolve_scale(raw, "quick") == {"a": 1, "b": ["x"], "c": {"d": 3}}
    assert resolve_scale(raw, "full") == {"a": 2, "b": ["y"], "c": {"d": 3}}
    # small falls back to the quick value unless it has its own
    assert resolve_scale(raw, "small") == {"a": 1, "b": ["x"], "c": {"d": 3}}
    raw["a"]["small"] = 5
    assert resolve_scale(raw, "small")["a"] == 5
    assert resolve_scale(raw, "quick")["a"] == 1


def test_small_scale_keeps_each_source_structure_with_three_seeds(root):
    """small: 3 seeds, stand-in data, MLPs at full width; every setting that is not a size or
    a budget is the quick scale's (the report lists those that differ from full)."""
    small = load_params(root / "params.yaml", scale="small")
    quick = load_params(root / "params.yaml", scale="quick")
    full = load_params(root / "params.yaml", scale="full")
    assert small.seeds == 3 and small.standins
    for run_id, run in small.runs.items():
        if run.model.arch == "mlp":
            assert run.model.g_hidden == full.run(run_id).model.g_hidden, run_id
            assert run.model.d_hidden == full.run(run_id).model.d_hidden, run_id
        q = quick.run(run_id)
        assert run.objective == q.objective and run.optim == q.optim, run_id
        assert run.schedule.n_critic == q.schedule.n_critic, run_id
        assert run.eval.checkpoints >= q.eval.checkpoints, run_id


def test_run_hash_changes_with_one_value(root, fresh_raw):
    a = parse_params(fresh_raw).run("frank/wgan").hash()
    fresh_raw["sources"]["frank"]["wgan"]["optim"]["lr"] = 6e-5
    p = parse_params(fresh_raw)
    assert p.run("frank/wgan").hash() != a
    assert (
        p.run("frank/dcgan").hash()
        == parse_params(yaml.safe_load((root / "params.yaml").read_text()))
        .run("frank/dcgan")
        .hash()
    )


def _set(d: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for key in parents:
        d = d[key]
    if value is _DELETE:
        del d[last]
    else:
        d[last] = value


_DELETE = object()

# (path to change, new value, the message expected, in full)
MALFORMED = [
    ("scale", "medium", "scale: 'medium' is not one of: quick, small, full"),
    (
        "seeds",
        {"quick": 1, "full": 3, "medium": 2},
        "seeds: unknown key 'medium' (allowed: full, quick, small)",
    ),
    ("seed", -1, "seed: must be >= 0, got -1"),
    ("seed", "zero", "seed: expected integer, got str 'zero'"),
    ("seeds", {"quick": 1}, "seeds: 'full' is missing (required)"),
    (
        "colour",
        "blue",
        "(top level): unknown key 'colour' (allowed: classifier, datasets, evaluation, resources, "
        "scale, seed, seeds, sources, standins)",
    ),
    ("sources.frank.wgan.optim.lr", -1e-4, "sources.frank.wgan.optim.lr: must be > 0, got -0.0001"),
    (
        "sources.frank.wgan.optim.lr",
        {"quick": 1e-4, "full": 0},
        "sources.frank.wgan.optim.lr.full: must be > 0, got 0",
    ),
    (
        "sources.frank.wgan.optim.lrr",
        1e-4,
        "sources.frank.wgan.optim: unknown key 'lrr' "
        "(allowed: alpha, betas, eps, lr, lr_decay, name)",
    ),
    (
        "sources.frank.wgan.schedule.n_critic",
        0,
        "sources.frank.wgan.schedule.n_critic: must be >= 1, got 0",
    ),
    (
        "sources.frank.wgan.schedule.batch_size",
        32.5,
        "sources.frank.wgan.schedule.batch_size: expected integer, got float 32.5",
    ),
    (
        "sources.frank.wgan.model.arch",
        "transformer",
        "sources.frank.wgan.model.arch: 'transformer' is not one of: dcgan, mlp, resnet",
    ),
    (
        "sources.frank.wgan.objective.loss",
        "hinge",
        "sources.frank.wgan.objective.loss: 'hinge' is not one of: bce, logistic, wasserstein",
    ),
    (
        "sources.frank.wgan.dataset",
        "imagenet",
        "sources.frank.wgan.dataset: 'imagenet' is not "
        "one of: cifar10, digits, mnist, photos, stl10",
    ),
    (
        "sources.frank.wgan.optim.name",
        "sgd",
        "sources.frank.wgan.optim.name: 'sgd' is not one of: adam, rmsprop",
    ),
    (
        "sources.frank.wgan.trainer",
        "gan",
        "sources.frank.wgan.trainer: 'gan' is not one of: adversarial, cfg",
    ),
    (
        "sources.frank.wgan.schedule.epochs",
        _DELETE,
        "sources.frank.wgan.schedule: give exactly one budget: epochs, iterations or stages",
    ),
    (
        "sources.frank.wgan.schedule.iterations",
        10,
        "sources.frank.wgan.schedule: give exactly one budget: epochs, iterations or stages",
    ),
    (
        "sources.frank.wgan.model.width",
        _DELETE,
        "sources.frank.wgan.model: 'width' is missing (required)",
    ),
    (
        "sources.frank.wgan.model.g_hidden",
        [10],
        "sources.frank.wgan.model: unknown key "
        "'g_hidden' (allowed: arch, conditioning, d_norm, embed_dim, g_width, init, width, z_dim)",
    ),
    ("sources.frank.wgan.eval", _DELETE, "sources.frank.wgan: 'eval' is missing (required)"),
    (
        "sources.Frank",
        {"x": {}},
        "sources.Frank: 'Frank' is not a valid name (lower-case letters, digits, _)",
    ),
    (
        "sources.frank.wgan.optim.betas",
        [0.5, 0.999],
        "sources.frank.wgan.optim.betas: rmsprop takes alpha, not betas",
    ),
    (
        "sources.frank.wgan.objective.gp",
        10,
        "sources.frank.wgan.objective: gp and clip are alternatives: set one of them to 0",
    ),
    (
        "sources.frank.dcgan.objective.clip",
        0.01,
        "sources.frank.dcgan.objective.loss: gp/clip "
        "constrain a Wasserstein critic, not a 'bce' loss",
    ),
    (
        "sources.acwgan.stl10.splits",
        ["unlabeled"],
        "sources.acwgan.stl10.model.conditioning: "
        "needs labels, but split 'unlabeled' of stl10 is unlabelled",
    ),
    (
        "sources.frank.wgan.splits",
        ["validation"],
        "sources.frank.wgan.splits: cifar10 has no split 'validation' (it has: train, test)",
    ),
    (
        "sources.frank.wgan.trainer",
        "cfg",
        "sources.frank.wgan.cfg: is missing (required by trainer 'cfg')",
    ),
    (
        "sources.zhu.cfg_dcgan_mnist.objective.loss",
        "bce",
        "sources.zhu.cfg_dcgan_mnist."
        "objective.loss: trainer 'cfg' trains its discriminator with 'logistic'",
    ),
    (
        "sources.frank.wgan.model.conditioning",
        "cbn",
        "sources.frank.wgan.model.conditioning: conditional BatchNorm ('cbn') needs arch resnet",
    ),
    (
        "sources.agarwal.cgan.model.embed_dim",
        _DELETE,
        "sources.agarwal.cgan.model.embed_dim: is required with conditioning 'embed'",
    ),
    (
        "sources.ding.gan.model.maxout_pieces",
        [5],
        "sources.ding.gan.model.maxout_pieces: give one piece count per maxout layer (2)",
    ),
    ("sources.ding.gan.model.dropout", 1.0, "sources.ding.gan.model.dropout: must be < 1, got 1.0"),
    (
        "sources.zhu.cfg_dcgan_mnist.cfg.T",
        0,
        "sources.zhu.cfg_dcgan_mnist.cfg.T: must be >= 1, got 0",
    ),
    (
        "sources.frank.wgan.optim.lr",
        "5e-5",
        "sources.frank.wgan.optim.lr: expected number, got str '5e-5' (YAML reads 5e-5 as "
        "text: write it with a dot, e.g. 5.0e-5)",
    ),
    ("standins", {"quick": True, "full": True}, None),  # valid at quick; see the full-scale test
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [m for m in MALFORMED if m[2]],
    ids=[f"{m[0]}={m[1]!r}" for m in MALFORMED if m[2]],
)
def test_malformed_params_are_rejected_with_the_key_path(fresh_raw, path, value, message):
    _set(fresh_raw, path, value if value is _DELETE else copy.deepcopy(value))
    with pytest.raises(ParamsError) as err:
        parse_params(fresh_raw)
    assert str(err.value) == message


def test_a_standin_at_full_scale_is_rejected(fresh_raw):
    fresh_raw["standins"] = True
    with pytest.raises(ParamsError, match=r"^standins: must be false at full scale"):
        parse_params(fresh_raw, scale="full")
    parse_params(fresh_raw, scale="quick")  # fine at quick scale


def test_yaml_syntax_errors_name_the_line(tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text("scale: quick\nsources: {frank: [\n")
    with pytest.raises(ParamsError, match=r"not valid YAML \(line \d+, column \d+\)"):
        load_params(bad)


def test_cli_validate_accepts_and_rejects(root, tmp_path, fresh_raw):
    ok = subprocess.run(
        [sys.executable, "-m", "ganrepro.cli", "validate", str(root / "params.yaml")],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "27 runs in 5 sources" in ok.stdout
    fresh_raw["sources"]["frank"]["wgan"]["schedule"]["n_critic"] = 0
    bad = tmp_path / "params.yaml"
    bad.write_text(yaml.safe_dump(fresh_raw))
    res = subprocess.run(
        [sys.executable, "-m", "ganrepro.cli", "validate", str(bad)], capture_output=True, text=True
    )
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "ganrepro validate: error: sources.frank.wgan.schedule.n_critic: must be >= 1, got 0"
    ]

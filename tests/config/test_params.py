"""params.yaml: the shipped file loads at both scales; malformed files fail with one message."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys

import pytest
import yaml

from ganrepro.config import (
    ParamsError,
    load_params,
    params_schema,
    parse_params,
    resolve_scale,
    types,
)
from ganrepro.config.schema import DESCRIPTIONS, SECTIONS

# SPEC: the five sources and every run they list.
EXPECTED_RUNS = {
    "acwgan": {"cifar10", "stl10"},
    "agarwal": {
        "simple_gan",
        "dcgan",
        "wgan_gp",
        "cgan",
        "dcgan_adam_default",
        "wgan_gp_adam_default",
    },
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


# schema section -> the dataclass it is frozen into (fields the loader adds are left out)
DATACLASSES = {
    "run": (types.RunConfig, {"source", "name", "data", "rehearsal"}),  # set by the loader
    "model": (types.ModelConfig, set()),
    "objective": (types.ObjectiveConfig, set()),
    "ac": (types.ACConfig, set()),
    "optim": (types.OptimConfig, set()),
    "schedule": (types.ScheduleConfig, set()),
    "eval": (types.EvalConfig, set()),
    "cfg": (types.CFGConfig, set()),
    "datasets": (types.DatasetsConfig, set()),
    "evaluation": (types.EvaluationConfig, set()),
    "classifier": (types.ClassifierConfig, {"max_steps"}),  # the rehearsal's
    "rehearsal": (types.RehearsalConfig, set()),
    "job": (types.Resources, set()),
    "sizing": (types.SizingConfig, set()),
}


@pytest.mark.parametrize("section", sorted(DATACLASSES))
def test_schema_sections_match_the_dataclasses(section):
    cls, added = DATACLASSES[section]
    assert set(SECTIONS[section][1]) == {f.name for f in dataclasses.fields(cls)} - added


def test_no_run_setting_has_a_hidden_default():
    """A run's dataclasses default nothing but None (a key the run does not read, or one that
    is derived from another, as the schema's descriptions say)."""
    for cls, _ in DATACLASSES.values():
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                assert f.default is None, f"{cls.__name__}.{f.name} defaults to {f.default!r}"


def test_every_key_of_the_schema_has_a_description(root):
    schema = json.loads((root / "workflow/schemas/params.schema.json").read_text())
    found: list[str] = []

    def walk(node, where):
        if isinstance(node, dict):
            if "description" in node:
                found.append(node["description"])
            for key, sub in (node.get("properties") or {}).items():
                assert where == "per_scale" or sub.get("description"), f"{where}.{key}"
            for key, sub in node.items():
                walk(sub, where if key == "properties" else key)

    walk(schema, "(top)")
    assert set(found) - {schema["description"]} == set(DESCRIPTIONS.values())


def test_resolve_scale_picks_per_scale_values():
    raw = {"a": {"quick": 1, "full": 2}, "b": [{"quick": "x", "full": "y"}], "c": {"d": 3}}
    assert resolve_scale(raw, "quick") == {"a": 1, "b": ["x"], "c": {"d": 3}}
    assert resolve_scale(raw, "full") == {"a": 2, "b": ["y"], "c": {"d": 3}}
    # small falls back to the quick value unless it has its own
    assert resolve_scale(raw, "small") == {"a": 1, "b": ["x"], "c": {"d": 3}}
    raw["a"]["small"] = 5
    assert resolve_scale(raw, "small")["a"] == 5
    assert resolve_scale(raw, "quick")["a"] == 1


def test_small_scale_keeps_each_source_structure_with_five_seeds(root):
    """small: 5 seeds, stand-in data, MLPs at full width; every setting that is not a size or
    a budget is the quick scale's (the report lists those that differ from full)."""
    small = load_params(root / "params.yaml", scale="small")
    quick = load_params(root / "params.yaml", scale="quick")
    full = load_params(root / "params.yaml", scale="full")
    assert small.seeds == 5 and small.standins
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


class _Delete:
    """A value that deletes the key (its repr names it: the same test ids in every process)."""

    def __repr__(self) -> str:
        return "<deleted>"


_DELETE = _Delete()

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
        "(top level): unknown key 'colour' (allowed: classifier, datasets, evaluation, rehearsal, "
        "resources, scale, seed, seeds, sources, standins)",
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
        "sources.frank.wgan.model.width: is required by the dcgan architecture",
    ),
    (
        "sources.frank.wgan.model.g_hiden",
        [10],
        "sources.frank.wgan.model: unknown key 'g_hiden' (allowed: arch, conditioning, "
        "d_act, d_branches, d_hidden, d_norm, dropout, embed_dim, g_act, g_branches, g_hidden, "
        "g_out, g_width, init, maxout_pieces, width, z_dim)",
    ),
    ("sources.frank.wgan.eval", _DELETE, "sources.frank.wgan: 'eval' is missing (required)"),
    (
        "sources.Frank",
        {"x": {}},
        "sources.Frank: 'Frank' is not a valid name (lower-case letters, digits, _)",
    ),
    (
        "sources.frank.wgan.objective.gp",
        10,
        "sources.frank.wgan.objective: gp and clip are alternatives: set one of them to 0",
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
        "sources.frank.wgan.objective.loss: trainer 'cfg' trains its discriminator with 'logistic'",
    ),
    (
        "sources.zhu.cfg_dcgan_mnist.trainer",
        "adversarial",
        "sources.zhu.cfg_dcgan_mnist.objective.loss: 'logistic' is CFG-GAN's loss: use trainer "
        "'cfg'",
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
        "sources.agarwal.cgan.model.embed_dim: is required by conditioning 'embed'",
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


CFG_BLOCK = {
    "T": 5,
    "U": 1,
    "eta": 0.5,
    "approx_n": 128,
    "approx_epochs": 3,
    "approx_batch_size": 64,
    "approx_lr": 2.5e-4,
    "approx_decay": 0.1,
    "approx_max_decays": 3,
    "guard": 40,
    "guard_after": 0,
}
Z = "zhu.cfg_dcgan_mnist"

# Issue 14: a key a run sets that its trainer, architecture, loss or optimiser does not read
# (it would change the config hash and nothing else): (run, key, value, who does not use it)
UNUSED = [
    (Z, "schedule.n_critic", 1, "the cfg trainer"),
    (Z, "optim.lr_decay", "none", "the cfg trainer"),
    (Z, "schedule.g_batch_size", 64, "the cfg trainer"),
    (Z, "schedule.reuse_real", False, "the cfg trainer"),
    (Z, "objective.ac", {"d": 1.0, "g": 0.1}, "the cfg trainer"),
    (Z, "schedule.epochs", 10, "the cfg trainer"),  # with stages removed below
    (Z, "objective.gp", 0, "the logistic loss"),
    (Z, "objective.real_label", 1.0, "the logistic loss"),
    ("frank.dcgan", "cfg", CFG_BLOCK, "the adversarial trainer"),
    ("frank.dcgan", "schedule.stages", 10, "the adversarial trainer"),  # epochs removed below
    ("frank.dcgan", "objective.gp", 0, "the bce loss"),
    ("frank.dcgan", "objective.clip", 0.01, "the bce loss"),
    ("frank.wgan", "objective.real_label", 1.0, "the wasserstein loss"),
    ("frank.wgan", "objective.g_label", 0.9, "the wasserstein loss"),
    ("frank.dcgan", "model.g_hidden", [10], "the dcgan architecture"),
    ("frank.dcgan", "model.maxout_pieces", [5], "the dcgan architecture"),
    ("frank.dcgan", "model.dropout", 0.0, "the dcgan architecture"),
    ("frank.dcgan", "model.g_out", "tanh", "the dcgan architecture"),
    ("frank.dcgan", "model.embed_dim", 10, "conditioning 'none'"),
    ("acwgan.cifar10", "model.g_width", 64, "the resnet architecture"),
    ("ding.gan", "model.width", 8, "the mlp architecture"),
    ("ding.gan", "model.d_norm", "batch", "the mlp architecture"),
    ("ding.gan", "model.g_branches", [1, 2], "conditioning 'none'"),
    ("agarwal.simple_gan", "model.maxout_pieces", [5], "d_act 'leaky_relu'"),
    ("frank.dcgan", "optim.alpha", 0.99, "the adam optimiser"),
    ("frank.wgan", "optim.betas", [0.5, 0.999], "the rmsprop optimiser"),
]
BUDGET_SWAP = {"schedule.epochs": "schedule.stages", "schedule.stages": "schedule.epochs"}


@pytest.mark.parametrize(
    ("run", "key", "value", "who"), UNUSED, ids=[f"{u[0]}.{u[1]}" for u in UNUSED]
)
def test_a_setting_the_run_does_not_read_is_rejected(fresh_raw, run, key, value, who):
    path = f"sources.{run}.{key}"
    _set(fresh_raw, path, copy.deepcopy(value))
    if key in BUDGET_SWAP:  # one budget at a time (the schema's rule)
        _set(fresh_raw, f"sources.{run}.{BUDGET_SWAP[key]}", _DELETE)
    with pytest.raises(ParamsError) as err:
        parse_params(fresh_raw)
    assert str(err.value) == f"{path}: {who} does not use {key.split('.')[-1]}"


# ... and a key the run reads is never left to a default: (run, key, who requires it)
REQUIRED = [
    ("ding.wgan", "optim.alpha", "the rmsprop optimiser"),
    ("frank.dcgan", "optim.betas", "the adam optimiser"),
    ("frank.dcgan", "optim.lr_decay", "the adversarial trainer"),
    ("frank.dcgan", "objective.real_label", "the bce loss"),
    ("frank.wgan", "objective.gp", "the wasserstein loss"),
    ("ding.gan", "model.dropout", "the mlp architecture"),
    ("ding.gan", "model.g_out", "the mlp architecture"),
    ("ding.gan", "model.maxout_pieces", "d_act 'maxout'"),
    ("frank.dcgan", "schedule.n_critic", "the adversarial trainer"),
    ("frank.dcgan", "schedule.reuse_real", "the adversarial trainer"),
    (Z, "cfg", "the cfg trainer"),
]


@pytest.mark.parametrize(("run", "key", "who"), REQUIRED, ids=[f"{r[0]}.{r[1]}" for r in REQUIRED])
def test_a_setting_the_run_reads_is_required(fresh_raw, run, key, who):
    path = f"sources.{run}.{key}"
    _set(fresh_raw, path, _DELETE)
    with pytest.raises(ParamsError) as err:
        parse_params(fresh_raw)
    assert str(err.value) == f"{path}: is required by {who}"


def test_every_optimiser_names_its_epsilon(fresh_raw):
    del fresh_raw["sources"]["frank"]["dcgan"]["optim"]["eps"]
    with pytest.raises(ParamsError, match=r"^sources.frank.dcgan.optim: 'eps' is missing"):
        parse_params(fresh_raw)


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
    n_runs = sum(len(runs) for runs in fresh_raw["sources"].values())
    n_sources = len(fresh_raw["sources"])
    assert f"{n_runs} runs in {n_sources} sources" in ok.stdout
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


class _Reads:
    """A view of a run's config that records the dotted path of every setting read through it
    (properties such as ``model.conditional`` are evaluated on the view, so their reads count)."""

    def __init__(self, obj, seen: set[str], prefix: str = ""):
        self._obj, self._seen, self._prefix = obj, seen, prefix

    def __getattr__(self, name):
        attr = getattr(type(self._obj), name, None)
        if isinstance(attr, property):
            return attr.fget(self)
        value = getattr(self._obj, name)
        if dataclasses.is_dataclass(value):
            return _Reads(value, self._seen, f"{self._prefix}{name}.")
        self._seen.add(self._prefix + name)
        return value


# what the training driver reads to pick the trainer, the data and the checkpoints
DRIVER_KEYS = {"source", "name", "trainer", "dataset", "data", "splits", "eval.checkpoints"}


def _ignored(run: types.RunConfig) -> set[str]:
    """The settings of ``run`` (those not None) that its trainer never reads in two steps."""
    import torch

    from ganrepro.data.registry import DATASETS
    from ganrepro.registry import TRAINERS
    from ganrepro.train.runtime import floats

    spec = DATASETS[run.data]
    torch.manual_seed(0)
    x = torch.randint(0, 256, (256, spec.channels, 32, 32), dtype=torch.uint8)
    y = torch.randint(0, spec.n_classes, (256,))
    seen: set[str] = set()
    trainer = TRAINERS[run.trainer](_Reads(run, seen), x, y, spec.n_classes, 0)
    for step in (1, 2):
        logs = floats(trainer.step())
        getattr(trainer, "diverged", lambda *_: None)(logs, step)
    given = {k for k, v in run.flat().items() if v is not None}
    return given - seen - DRIVER_KEYS


def test_no_setting_of_any_run_is_ignored_by_its_trainer(quick_params):
    """Every setting a run's config holds is read by its trainer or architecture: a key that
    changed the config hash and nothing else would show up here."""
    ignored = {run_id: _ignored(run) for run_id, run in quick_params.runs.items()}
    assert {k: v for k, v in ignored.items() if v} == {}


def test_the_ignored_settings_check_can_fail(quick_params):
    run = quick_params.run("zhu/cfg_dcgan_mnist")
    run = dataclasses.replace(
        run,
        schedule=dataclasses.replace(run.schedule, n_critic=5),
        optim=dataclasses.replace(run.optim, lr_decay="linear"),
        objective=dataclasses.replace(run.objective, gp=10.0),
    )
    assert _ignored(run) == {"schedule.n_critic", "optim.lr_decay", "objective.gp"}


def yaml_comments(text: str) -> dict[str, str]:
    """``{dotted key: comment}`` for the block-style keys of params.yaml's general part (before
    the building blocks and the runs): the comment on the key's line with the comment lines
    that continue it (indented past the key's children), or else the comment lines just above
    the key."""
    out: dict[str, str] = {}
    stack: list[tuple[int, str]] = []  # (indent, key) of the enclosing keys
    above: list[str] = []
    depth = 0  # open flow brackets: a line inside a flow mapping is not a key
    lines = text.splitlines()
    for i, line in enumerate(lines):
        code, _, comment = line.partition("#")
        if line.startswith(("_blocks", "sources")):
            break
        match = re.match(r"( *)([A-Za-z_]\w*):", code) if depth == 0 else None
        depth += code.count("{") + code.count("[") - code.count("}") - code.count("]")
        if not match:
            above = above + [comment.strip()] if not code.strip() and comment else []
            continue
        indent = len(match[1])
        stack = [(n, k) for n, k in stack if n < indent] + [(indent, match[2])]
        parts = [comment.strip()] if comment else []
        for nxt in lines[i + 1 :]:  # deeper than a comment above a child key would be
            if not (nxt.startswith(" " * (indent + 3)) and nxt.strip().startswith("#")):
                break
            parts.append(nxt.strip()[1:].strip())
        out[".".join(k for _, k in stack)] = " ".join(parts or above)
        above = []
    return out


def test_params_yaml_comments_begin_with_the_schema_descriptions(root):
    """One source for what a key means: DESCRIPTIONS feeds the schema, and each general key
    of params.yaml carries a comment that begins with the same text."""
    comments = yaml_comments((root / "params.yaml").read_text())
    assert {"scale", "datasets.photos_per_class", "evaluation.seed", "resources.train"} <= set(
        comments
    )
    wrong = {
        key: (comment, DESCRIPTIONS.get(key))
        for key, comment in comments.items()
        if not (key in DESCRIPTIONS and comment.startswith(DESCRIPTIONS[key]))
    }
    assert wrong == {}


def test_a_comment_that_drifts_from_its_description_is_caught():
    text = "scale: quick  # the scale\nevaluation:  # how every run is scored and drawn\n  # what\n"
    comments = yaml_comments(
        text + "  seed: 1  # the seed of\n          # latent draws\nsources: {}\n"
    )
    assert comments == {
        "scale": "the scale",
        "evaluation": "how every run is scored and drawn",
        "evaluation.seed": "the seed of latent draws",  # not the comment above it
    }
    assert not comments["evaluation.seed"].startswith(DESCRIPTIONS["evaluation.seed"])

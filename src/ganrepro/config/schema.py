"""The JSON schema of params.yaml, built from the registries (their keys are the enums) and
from :data:`DESCRIPTIONS`, the one text that describes each key.

``ganrepro schema`` writes it to ``workflow/schemas/params.schema.json``, which Snakemake's
``validate()`` reads; a test checks that the committed file equals :func:`params_schema`, and
another that the comments on params.yaml's general keys begin with these descriptions.

Every leaf value may also be written as ``{quick: a, full: b}`` (optionally ``small: c``): the
value at each scale; ``small`` falls back to ``quick`` when absent (both run on stand-in data).
The schema checks the shape of the file; which run reads which key is config/usage.py's, and
load.py rejects a key that a run's trainer, architecture, loss or optimiser does not read.
"""

from __future__ import annotations

import json
from typing import Any

from ganrepro.data.registry import DATASETS
from ganrepro.registry import ARCHITECTURES, LOSSES, OPTIMIZERS, TRAINERS

SCALES = ("quick", "small", "full")
REQUIRED_SCALES = ("quick", "full")  # ``small`` defaults to the quick value
Schema = dict[str, Any]

CONDITIONING = ("none", "embed", "onehot", "cbn")
D_NORMS = ("batch", "instance", "layer", "none")
INITS = ("default", "dcgan", "kaiming")

# Every key of params.yaml: the schema's descriptions, and the start of the comment on each
# general key in params.yaml (tests/config/test_params.py). Run keys are dotted as in
# ``RunConfig.flat()``; ``*`` stands for either resources step.
DESCRIPTIONS = {
    "scale": "the scale the workflow runs: quick (stand-in data, tiny widths, minutes on 2 CPU "
    "cores), small (stand-in data, 5 seeds, MLPs at full width, about 75 minutes on 2 CPU cores) "
    "or full (the sources' settings on the real datasets, GPU)",
    "seed": "global seed; seed index k of a run trains with seed + k",
    "seeds": "seeds per run (tables show mean and std when > 1)",
    "standins": "offline stand-ins instead of real data (never at full scale)",
    "datasets": "how the datasets are prepared",
    "datasets.photos_per_class": "32x32 patches cut from each scikit-image photo (the "
    "stand-in for CIFAR-10 and STL-10)",
    "datasets.digits_test_fraction": "share of scikit-learn's digits held out as the test split",
    "datasets.photos_test_fraction": "share of the photo patches held out as the test split",
    "datasets.stl10_unlabeled": "also decode STL-10's 100k unlabelled images (2.6 GB archive "
    "member)",
    "evaluation": "how every run is scored and drawn",
    "evaluation.extractors": "feature extractors: inception (needs local weights) and/or "
    "classifier",
    "evaluation.n_samples": "generated samples scored against the train statistics (final "
    "checkpoint)",
    "evaluation.n_samples_test": "generated samples scored against the test statistics (final "
    "checkpoint)",
    "evaluation.n_samples_curve": "generated samples scored at each periodic checkpoint (the "
    "curves)",
    "evaluation.draws": "latent draws the final checkpoint is scored with against the train "
    "statistics (seeds seed + i; the spread of the metrics)",
    "evaluation.n_reference": "real images per split in the reference statistics",
    "evaluation.kid_subsets": "random subsets KID averages over",
    "evaluation.kid_subset_size": "samples in each KID subset",
    "evaluation.is_splits": "splits the Inception Score is averaged over",
    "evaluation.seed": "seed of the latent draws for evaluation and figures",
    "evaluation.inception_weights": "local path of weights-inception-2015-12-05-6726825d.pth, "
    "or null",
    "evaluation.interpolation": "latent interpolation: linear or slerp",
    "evaluation.interpolation_steps": "images per interpolation row",
    "evaluation.cherry_pool": "samples per class scored by the critic for cherry-picks",
    "classifier": "the domain classifier per dataset (classifier-FID and -IS)",
    "classifier.width": "base channel width",
    "classifier.epochs": "training epochs",
    "classifier.lr": "Adam learning rate",
    "classifier.batch_size": "training batch size",
    "resources": "what the workflow asks the scheduler for, per job",
    "resources.train": "one training job",
    "resources.evaluate": "one evaluation job",
    "resources.*.gpu": "GPUs",
    "resources.*.threads": "CPU threads",
    "resources.*.mem_mb": "memory in MB",
    "resources.*.runtime": "wall-time limit in minutes (full scale: used only for a job the "
    "rehearsal has not measured; see resources.sizing)",
    "resources.*.gpu_model": "the GPU type asked for (SLURM --gpus=MODEL:N), e.g. a100; empty: "
    "any; a full run is sized only from a rehearsal measured on a GPU whose name contains it",
    "resources.sizing": "full scale: runtime and memory from the latest rehearsal on the same "
    "device (results/rehearsal/resources.jsonl; docs/cluster.md)",
    "resources.sizing.time_margin": "runtime = (setup + s/step x the schedule, or per image x "
    "images) x this",
    "resources.sizing.mem_margin": "mem_mb = (peak RSS + data the rehearsal did not load) x this",
    "resources.sizing.min_runtime": "minutes: no sized job asks for less",
    "resources.sizing.max_runtime": "minutes: the partition's limit. Attempt a asks for a x the "
    "first attempt's time, up to this; training resumes across attempts (a training that "
    "cannot finish within them, or an evaluation over this, is refused before submission)",
    "rehearsal": "the full-scale rehearsal (--config rehearse=true): every full-scale setting "
    "except these; everything it writes says REHEARSAL and lives in results/rehearsal/",
    "rehearsal.steps": "generator iterations (CFG-GAN: stages) each training runs of its "
    "full schedule (lr decay unchanged)",
    "rehearsal.checkpoints": "periodic checkpoints of each training (evaluated; at most steps)",
    "rehearsal.samples": "generated images each evaluation count scores (final, test, curve, "
    "each draw), and the cherry-pick pool per class",
    "rehearsal.reference": "real images per split in the reference statistics and the floor",
    "rehearsal.classifier_steps": "optimiser steps of each domain classifier",
    "rehearsal.all_seeds": "runs trained with every seed (the others train seed 0): at least "
    "one per trainer",
    "sources": "the runs, grouped by source: sources.{source}.{run}",
    "source": "one source's runs, by run name",
    "run": "one run; every key it sets is read by its trainer, architecture, loss or optimiser",
    "trainer": "adversarial (n_critic critic steps per generator step) or cfg (CFG-GAN stages)",
    "dataset": "the dataset trained on (its offline stand-in when standins is true)",
    "splits": "the dataset's splits trained on, joined",
    "model": "the generator and critic",
    "model.arch": "architecture: mlp, dcgan (32x32 k4 s2 convolutions) or resnet (WGAN-GP's)",
    "model.z_dim": "latent size",
    "model.conditioning": "class conditioning: none, embed (dcgan), onehot (mlp) or cbn "
    "(resnet, conditional BatchNorm)",
    "model.init": "weight init: default (PyTorch's), dcgan (N(0, 0.02)) or kaiming (He normal)",
    "model.width": "dcgan, resnet: base channel width",
    "model.g_width": "dcgan: the generator's base width (absent: width)",
    "model.d_norm": "dcgan, resnet: the critic's normalisation",
    "model.embed_dim": "dcgan with embed conditioning: size of the label embedding added to z",
    "model.g_hidden": "mlp: the generator's hidden widths",
    "model.g_act": "mlp: the generator's hidden activation",
    "model.g_out": "mlp: the generator's output activation (tanh: [-1, 1], sigmoid: [0, 1]); "
    "dcgan and resnet end in tanh",
    "model.d_hidden": "mlp: the critic's hidden widths",
    "model.d_act": "mlp: the critic's activation",
    "model.maxout_pieces": "mlp with maxout critic: pieces per maxout layer",
    "model.dropout": "mlp: dropout probability after each critic layer",
    "model.g_branches": "mlp with onehot conditioning: widths of the generator's z and y branches",
    "model.d_branches": "mlp with onehot conditioning: widths of the critic's x and y branches",
    "objective": "the losses and their regularisers",
    "objective.loss": LOSSES.describe(),
    "objective.gp": "wasserstein: gradient-penalty weight lambda (0: none)",
    "objective.clip": "wasserstein: weight-clipping bound c (0: none)",
    "objective.ac": "adversarial, resnet: auxiliary classifier weights (absent: no classifier)",
    "objective.ac.d": "weight of the classification loss in the critic's loss",
    "objective.ac.g": "weight of the classification loss in the generator's loss",
    "objective.real_label": "bce: the critic's target for real images",
    "objective.fake_label": "bce: the critic's target for generated images",
    "objective.g_label": "bce: the generator's target for its images",
    "optim": "the optimiser of generator and critic (trainer cfg: of the critic and the "
    "approximator, which runs at cfg.approx_lr)",
    "optim.name": "adam or rmsprop (no momentum, no weight decay)",
    "optim.lr": "learning rate",
    "optim.eps": "the optimiser's epsilon",
    "optim.lr_decay": "adversarial: none, or linear (to 0 over the run)",
    "optim.betas": "adam: beta1, beta2",
    "optim.alpha": "rmsprop: smoothing constant",
    "schedule": "batches and budget: exactly one of epochs, iterations, stages",
    "schedule.batch_size": "real images per critic (cfg: discriminator) step",
    "schedule.g_batch_size": "adversarial: latents per generator step (absent: batch_size)",
    "schedule.n_critic": "adversarial: critic steps per generator step",
    "schedule.epochs": "adversarial: passes of the critic over the training data",
    "schedule.iterations": "adversarial: generator iterations",
    "schedule.stages": "cfg: CFG-GAN stages",
    "schedule.reuse_real": "adversarial with epochs: one real batch for all critic steps of a "
    "generator iteration",
    "eval": "what training keeps for evaluation",
    "eval.checkpoints": "periodic checkpoints kept (and evaluated) over the run",
    "cfg": "trainer cfg: the xICFG settings",
    "cfg.T": "discriminator snapshots per stage",
    "cfg.U": "discriminator updates per snapshot",
    "cfg.eta": "functional-gradient step size",
    "cfg.approx_n": "generated samples the approximator is refit to each stage",
    "cfg.approx_epochs": "epochs of each refit",
    "cfg.approx_batch_size": "batch size of each refit",
    "cfg.approx_lr": "the approximator's learning rate (its other settings are optim's)",
    "cfg.approx_decay": "factor on the refit's lr when an epoch's loss rises",
    "cfg.approx_max_decays": "most lr decays per refit",
    "cfg.guard": "divergence: |mean D(real) - mean D(fake)| above this",
    "cfg.guard_after": "stages run before the guard acts",
}

# value types: name -> schema of one value; each is also accepted per scale
LEAVES: dict[str, Schema] = {
    "pos_int": {"type": "integer", "minimum": 1},
    "nonneg_int": {"type": "integer", "minimum": 0},
    "pos_num": {"type": "number", "exclusiveMinimum": 0},
    "nonneg_num": {"type": "number", "minimum": 0},
    "prob": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
    "unit": {"type": "number", "minimum": 0, "maximum": 1},
    "bool": {"type": "boolean"},
    "widths": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1},
    "pieces": {"type": "array", "items": {"type": "integer", "minimum": 2}},
    "betas": {
        "type": "array",
        "items": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "minItems": 2,
        "maxItems": 2,
    },
    "splits": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
    "extractors": {
        "type": "array",
        "items": {"enum": ["inception", "classifier"]},
        "minItems": 1,
        "uniqueItems": True,
    },
    "path_or_null": {"type": ["string", "null"]},
    "gpu_model": {"type": "string", "pattern": "^[A-Za-z0-9_.]*$"},
    "run_ids": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]*/[a-z][a-z0-9_]*$"},
        "uniqueItems": True,
    },
    "arch": {"enum": sorted(ARCHITECTURES)},
    "conditioning": {"enum": sorted(CONDITIONING)},
    "init": {"enum": sorted(INITS)},
    "d_norm": {"enum": sorted(D_NORMS)},
    "g_act": {"enum": ["leaky_relu", "relu"]},
    "g_out": {"enum": ["sigmoid", "tanh"]},
    "d_act": {"enum": ["leaky_relu", "maxout"]},
    "loss": {"enum": sorted(LOSSES)},
    "optimizer": {"enum": sorted(OPTIMIZERS)},
    "lr_decay": {"enum": ["linear", "none"]},
    "trainer": {"enum": sorted(TRAINERS)},
    "dataset": {"enum": sorted(DATASETS)},
    "interpolation": {"enum": ["linear", "slerp"]},
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def scaled(name: str, leaf: Schema) -> Schema:
    """``leaf``, or an object giving one such value per scale (each checked as ``name``)."""
    per_scale = {**ref("per_scale"), "additionalProperties": ref(name)}
    return {"if": {"type": "object"}, "then": per_scale, "else": leaf}


# section (a $defs entry) -> (the prefix of its keys in DESCRIPTIONS, {key: type}, required)
SECTIONS: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "datasets": (
        "datasets.",
        {
            "photos_per_class": "pos_int",
            "digits_test_fraction": "prob",
            "photos_test_fraction": "prob",
            "stl10_unlabeled": "bool",
        },
        ("*",),
    ),
    "evaluation": (
        "evaluation.",
        {
            "extractors": "extractors",
            "n_samples": "pos_int",
            "n_samples_test": "pos_int",
            "n_samples_curve": "pos_int",
            "draws": "pos_int",
            "n_reference": "pos_int",
            "kid_subsets": "pos_int",
            "kid_subset_size": "pos_int",
            "is_splits": "pos_int",
            "seed": "nonneg_int",
            "inception_weights": "path_or_null",
            "interpolation": "interpolation",
            "interpolation_steps": "pos_int",
            "cherry_pool": "pos_int",
        },
        ("*",),
    ),
    "classifier": (
        "classifier.",
        {"width": "pos_int", "epochs": "pos_int", "lr": "pos_num", "batch_size": "pos_int"},
        ("*",),
    ),
    "resources": (
        "resources.",
        {"train": "job", "evaluate": "job", "sizing": "sizing"},
        ("*",),
    ),
    "sizing": (
        "resources.sizing.",
        {
            "time_margin": "pos_num",
            "mem_margin": "pos_num",
            "min_runtime": "pos_int",
            "max_runtime": "pos_int",
        },
        ("*",),
    ),
    "rehearsal": (
        "rehearsal.",
        {
            "steps": "pos_int",
            "checkpoints": "pos_int",
            "samples": "pos_int",
            "reference": "pos_int",
            "classifier_steps": "pos_int",
            "all_seeds": "run_ids",
        },
        ("*",),
    ),
    "job": (
        "resources.*.",
        {
            "gpu": "nonneg_int",
            "gpu_model": "gpu_model",
            "threads": "pos_int",
            "mem_mb": "pos_int",
            "runtime": "pos_int",
        },
        ("*",),
    ),
    "run": (
        "",
        {
            "trainer": "trainer",
            "dataset": "dataset",
            "splits": "splits",
            "model": "model",
            "objective": "objective",
            "optim": "optim",
            "schedule": "schedule",
            "eval": "eval",
            "cfg": "cfg",
        },
        ("trainer", "dataset", "splits", "model", "objective", "optim", "schedule", "eval"),
    ),
    "model": (
        "model.",
        {
            "arch": "arch",
            "z_dim": "pos_int",
            "conditioning": "conditioning",
            "init": "init",
            "width": "pos_int",
            "g_width": "pos_int",
            "d_norm": "d_norm",
            "embed_dim": "pos_int",
            "g_hidden": "widths",
            "g_act": "g_act",
            "g_out": "g_out",
            "d_hidden": "widths",
            "d_act": "d_act",
            "maxout_pieces": "pieces",
            "dropout": "prob",
            "g_branches": "widths",
            "d_branches": "widths",
        },
        ("arch", "z_dim", "conditioning", "init"),
    ),
    "objective": (
        "objective.",
        {
            "loss": "loss",
            "gp": "nonneg_num",
            "clip": "nonneg_num",
            "ac": "ac",
            "real_label": "unit",
            "fake_label": "unit",
            "g_label": "unit",
        },
        ("loss",),
    ),
    "ac": ("objective.ac.", {"d": "nonneg_num", "g": "nonneg_num"}, ("*",)),
    "optim": (
        "optim.",
        {
            "name": "optimizer",
            "lr": "pos_num",
            "eps": "pos_num",
            "lr_decay": "lr_decay",
            "betas": "betas",
            "alpha": "prob",
        },
        ("name", "lr", "eps"),
    ),
    "schedule": (
        "schedule.",
        {
            "batch_size": "pos_int",
            "g_batch_size": "pos_int",
            "n_critic": "pos_int",
            "epochs": "pos_num",
            "iterations": "pos_int",
            "stages": "pos_int",
            "reuse_real": "bool",
        },
        ("batch_size",),
    ),
    "eval": ("eval.", {"checkpoints": "pos_int"}, ("*",)),
    "cfg": (
        "cfg.",
        {
            "T": "pos_int",
            "U": "pos_int",
            "eta": "pos_num",
            "approx_n": "pos_int",
            "approx_epochs": "pos_int",
            "approx_batch_size": "pos_int",
            "approx_lr": "pos_num",
            "approx_decay": "prob",
            "approx_max_decays": "nonneg_int",
            "guard": "pos_num",
            "guard_after": "nonneg_int",
        },
        ("*",),
    ),
}
# a run's budget: exactly one of these (load.py's message names them)
BUDGETS = ("epochs", "iterations", "stages")


def closed(properties: dict[str, Schema], required, **extra) -> Schema:
    """An object with these keys only (unknown keys are errors)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if tuple(required) == ("*",) else list(required),
        "additionalProperties": False,
        **extra,
    }


def section(prefix: str, keys: dict[str, str], required, **extra) -> Schema:
    props = {k: {**ref(t), "description": DESCRIPTIONS[prefix + k]} for k, t in keys.items()}
    return closed(props, required, **extra)


NAME = "^[a-z][a-z0-9_]*$"


def params_schema() -> Schema:
    defs: dict[str, Schema] = {
        "per_scale": closed({s: {} for s in SCALES}, REQUIRED_SCALES),
        **{name: scaled(name, leaf) for name, leaf in LEAVES.items()},
    }
    for name, (prefix, keys, required) in SECTIONS.items():
        extra = {"oneOf": [{"required": [k]} for k in BUDGETS]} if name == "schedule" else {}
        defs[name] = section(prefix, keys, required, **extra)
    top = section(
        "",
        {
            "scale": "scale",
            "seed": "nonneg_int",
            "seeds": "pos_int",
            "standins": "bool",
            "datasets": "datasets",
            "evaluation": "evaluation",
            "classifier": "classifier",
            "resources": "resources",
            "rehearsal": "rehearsal",
        },
        ("scale", "seed", "seeds", "standins", "datasets", "evaluation", "classifier"),
        # Top-level keys starting with "_" hold YAML anchors (building blocks) and are ignored.
        patternProperties={"^_": {}},
    )
    top["properties"]["scale"] = {"enum": list(SCALES), "description": DESCRIPTIONS["scale"]}
    names = {"propertyNames": {"pattern": NAME}, "minProperties": 1}
    source = {"type": "object", **names, "additionalProperties": ref("run")}
    top["properties"]["sources"] = {
        "description": DESCRIPTIONS["sources"],
        "type": "object",
        **names,
        "additionalProperties": {**source, "description": DESCRIPTIONS["source"]},
    }
    top["required"].append("sources")
    defs["run"]["description"] = DESCRIPTIONS["run"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ganrepro params.yaml",
        "description": "Generated by `ganrepro schema` from src/ganrepro/config/schema.py; do "
        "not edit by hand. Any value may also be given per scale: {quick: a, full: b} or "
        "{quick: a, small: c, full: b} (small falls back to quick).",
        **top,
        "$defs": defs,
    }


def _flat(value: Any) -> bool:
    """Scalars, or a list or object of scalars and lists of scalars (e.g. a key's schema)."""
    items = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list):
        return True
    return all(not isinstance(v, dict | list) or (isinstance(v, list) and _flat(v)) for v in items)


def dumps(value: Any, indent: int = 0, width: int = 100, column: int = 0) -> str:
    """JSON with each object or list on one line where it fits in ``width`` columns, and
    always where it holds no nested object (``column``: where the value starts on its line)."""
    flat = json.dumps(value)
    if column + len(flat) < width or _flat(value) or not value:
        return flat
    pad = " " * (indent + 2)
    pairs = value.items() if isinstance(value, dict) else [(None, v) for v in value]
    lines = []
    for key, item in pairs:
        head = pad + ("" if key is None else f"{json.dumps(key)}: ")
        lines.append(head + dumps(item, indent + 2, width, len(head)))
    ends = "{}" if isinstance(value, dict) else "[]"
    return ends[0] + "\n" + ",\n".join(lines) + "\n" + " " * indent + ends[1]

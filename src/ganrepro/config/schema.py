"""The JSON schema of params.yaml, built from the registries (their keys are the enums) and
from :data:`ganrepro.config.descriptions.DESCRIPTIONS`, the one text that describes each key.

The loader and the workflow validate against :func:`params_schema` itself. ``ganrepro schema``
writes a copy to ``workflow/schemas/params.schema.json`` for editors; a test checks that the
committed copy equals it, and another that the comments on params.yaml's general keys begin
with the descriptions.

Every leaf value may also be written as ``{quick: a, full: b}`` (optionally ``small: c``): the
value at each scale; ``small`` falls back to ``quick`` when absent (both run on stand-in data).
The schema checks the shape of the file; which run reads which key is config/usage.py's, and
load.py rejects a key that a run's trainer, architecture, loss or optimiser does not read.
"""

from __future__ import annotations

import json
from typing import Any

from ganrepro.config.descriptions import DESCRIPTIONS
from ganrepro.data.registry import DATASETS
from ganrepro.registry import ARCHITECTURES, LOSSES, OPTIMIZERS, TRAINERS

SCALES = ("quick", "small", "full")
REQUIRED_SCALES = ("quick", "full")  # ``small`` defaults to the quick value
Schema = dict[str, Any]

CONDITIONING = ("none", "embed", "onehot", "cbn")
D_NORMS = ("batch", "instance", "layer", "none")
INITS = ("default", "dcgan", "kaiming")

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

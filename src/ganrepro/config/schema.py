"""The JSON schema of params.yaml, built from the registries (their keys are the enums).

``ganrepro schema`` writes it to ``workflow/schemas/params.schema.json``, which Snakemake's
``validate()`` reads; a test checks that the committed file equals :func:`params_schema`.

Every leaf value may also be written as ``{quick: a, full: b}`` (optionally ``small: c``): the
value at each scale; ``small`` falls back to ``quick`` when absent (both run on stand-in data).
"""

from __future__ import annotations

from typing import Any

from ganrepro.data.registry import DATASETS
from ganrepro.registry import ARCHITECTURES, LOSSES, OPTIMIZERS, TRAINERS

SCALES = ("quick", "small", "full")
REQUIRED_SCALES = ("quick", "full")  # ``small`` defaults to the quick value
Schema = dict[str, Any]


def scaled(leaf: Schema) -> Schema:
    """``leaf``, or an object giving one such value per scale."""
    per_scale = {
        "type": "object",
        "properties": {s: leaf for s in SCALES},
        "required": list(REQUIRED_SCALES),
        "additionalProperties": False,
    }
    return {"if": {"type": "object"}, "then": per_scale, "else": leaf}


def obj(
    properties: dict[str, Schema], required: list[str] | tuple[str, ...] = (), **extra
) -> Schema:
    """A closed object: unknown keys are errors."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


def enum(names) -> Schema:
    return scaled({"type": "string", "enum": sorted(names)})


POS_INT = scaled({"type": "integer", "minimum": 1})
NONNEG_INT = scaled({"type": "integer", "minimum": 0})
POS_NUM = scaled({"type": "number", "exclusiveMinimum": 0})
NONNEG_NUM = scaled({"type": "number", "minimum": 0})
PROB = scaled({"type": "number", "minimum": 0, "exclusiveMaximum": 1})
BOOL = scaled({"type": "boolean"})
INT_LIST = scaled({"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1})

CONDITIONING = ("none", "embed", "onehot", "cbn")
D_NORMS = ("batch", "instance", "layer", "none")
INITS = ("default", "dcgan", "kaiming")

_MODEL_COMMON = {
    "arch": enum(ARCHITECTURES),
    "z_dim": POS_INT,
    "conditioning": enum(CONDITIONING),
    "init": enum(INITS),
}
MODEL_FIELDS: dict[str, dict[str, Schema]] = {
    "mlp": {
        "g_hidden": INT_LIST,
        "g_act": enum(("relu", "leaky_relu")),
        "g_out": enum(("tanh", "sigmoid")),
        "d_hidden": INT_LIST,
        "d_act": enum(("leaky_relu", "maxout")),
        "maxout_pieces": scaled({"type": "array", "items": {"type": "integer", "minimum": 2}}),
        "dropout": PROB,
        "g_branches": INT_LIST,
        "d_branches": INT_LIST,
    },
    "dcgan": {
        "width": POS_INT,
        "g_width": POS_INT,  # the generator's width (default: width)
        "d_norm": enum(D_NORMS),
        "embed_dim": POS_INT,
    },
    "resnet": {"width": POS_INT, "d_norm": enum(("layer", "none"))},
}
MODEL_REQUIRED: dict[str, tuple[str, ...]] = {
    "mlp": ("g_hidden", "g_act", "g_out", "d_hidden", "d_act"),
    "dcgan": ("width", "d_norm"),
    "resnet": ("width", "d_norm"),
}


def model_schema() -> Schema:
    assert set(MODEL_FIELDS) == set(ARCHITECTURES), "every architecture needs its schema"
    branches = [
        {
            "if": {"properties": {"arch": {"const": arch}}, "required": ["arch"]},
            "then": obj(
                {**_MODEL_COMMON, **fields},
                ["arch", "z_dim", "conditioning", "init", *MODEL_REQUIRED[arch]],
            ),
        }
        for arch, fields in MODEL_FIELDS.items()
    ]
    return {
        "type": "object",
        "properties": {"arch": _MODEL_COMMON["arch"]},
        "required": ["arch"],
        "allOf": branches,
    }


OBJECTIVE = obj(
    {
        "loss": enum(LOSSES),
        "gp": NONNEG_NUM,  # gradient-penalty weight lambda; 0 = none
        "clip": NONNEG_NUM,  # weight-clipping bound c; 0 = none
        "ac": obj({"d": NONNEG_NUM, "g": NONNEG_NUM}, ["d", "g"]),  # auxiliary classifier weights
        "real_label": scaled({"type": "number", "minimum": 0, "maximum": 1}),  # bce targets
        "fake_label": scaled({"type": "number", "minimum": 0, "maximum": 1}),
        "g_label": scaled({"type": "number", "minimum": 0, "maximum": 1}),
    },
    ["loss", "gp", "clip"],
)

OPTIM = obj(
    {
        "name": enum(OPTIMIZERS),
        "lr": POS_NUM,
        "betas": scaled(
            {
                "type": "array",
                "items": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                "minItems": 2,
                "maxItems": 2,
            }
        ),
        "alpha": PROB,  # RMSprop smoothing constant
        "eps": POS_NUM,
        "lr_decay": enum(("none", "linear")),
    },
    ["name", "lr", "lr_decay"],
)

SCHEDULE = obj(
    {
        "batch_size": POS_INT,  # critic / discriminator batch
        "g_batch_size": POS_INT,  # generator batch (defaults to batch_size)
        "n_critic": POS_INT,  # critic steps per generator step
        "epochs": POS_NUM,  # passes of the critic over the training data
        "iterations": POS_INT,  # generator iterations
        "stages": POS_INT,  # CFG-GAN stages
        "reuse_real": BOOL,  # one real batch for all critic steps of a generator iteration
    },
    ["batch_size", "n_critic"],
    oneOf=[{"required": [k]} for k in ("epochs", "iterations", "stages")],
)

CFG = obj(
    {
        "T": POS_INT,  # discriminator snapshots per stage
        "U": POS_INT,  # D updates per snapshot
        "eta": POS_NUM,  # functional-gradient step size
        "approx_n": POS_INT,  # samples the approximator is refit to
        "approx_epochs": POS_INT,
        "approx_batch_size": POS_INT,
        "approx_lr": POS_NUM,
        "approx_decay": PROB,  # lr factor when the epoch loss rises
        "approx_max_decays": NONNEG_INT,
        "guard": POS_NUM,  # stop when |mean D(real) - mean D(fake)| exceeds this
        "guard_after": NONNEG_INT,  # ... once this many stages have run
    },
    [
        "T",
        "U",
        "eta",
        "approx_n",
        "approx_epochs",
        "approx_batch_size",
        "approx_lr",
        "approx_decay",
        "approx_max_decays",
        "guard",
        "guard_after",
    ],
)

RUN = obj(
    {
        "trainer": enum(TRAINERS),
        "dataset": enum(DATASETS),
        "splits": scaled(
            {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True}
        ),
        "model": model_schema(),
        "objective": OBJECTIVE,
        "optim": OPTIM,
        "schedule": SCHEDULE,
        "eval": obj({"checkpoints": POS_INT}, ["checkpoints"]),
        "cfg": CFG,
    },
    ["trainer", "dataset", "splits", "model", "objective", "optim", "schedule", "eval"],
)

NAME = "^[a-z][a-z0-9_]*$"


def params_schema() -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ganrepro params.yaml",
        "description": "Generated by `ganrepro schema` from the registries; do not edit by hand.",
        **obj(
            {
                "scale": {"type": "string", "enum": list(SCALES)},
                "seed": {"type": "integer", "minimum": 0},
                "seeds": POS_INT,
                "standins": BOOL,
                "datasets": obj(
                    {
                        "photos_per_class": POS_INT,
                        "digits_test_fraction": PROB,
                        "photos_test_fraction": PROB,
                        "stl10_unlabeled": BOOL,
                    },
                    [
                        "photos_per_class",
                        "digits_test_fraction",
                        "photos_test_fraction",
                        "stl10_unlabeled",
                    ],
                ),
                "evaluation": obj(
                    {
                        "extractors": scaled(
                            {
                                "type": "array",
                                "minItems": 1,
                                "uniqueItems": True,
                                "items": {"enum": ["inception", "classifier"]},
                            }
                        ),
                        "n_samples": POS_INT,  # generated samples vs train statistics (final)
                        "n_samples_test": POS_INT,  # ... vs test statistics (final)
                        "n_samples_curve": POS_INT,  # ... at each periodic checkpoint
                        "n_reference": POS_INT,  # real images per split in the statistics
                        "kid_subsets": POS_INT,
                        "kid_subset_size": POS_INT,
                        "is_splits": POS_INT,
                        "seed": {"type": "integer", "minimum": 0},
                        "inception_weights": scaled({"type": ["string", "null"]}),
                        "interpolation": enum(("linear", "slerp")),
                        "interpolation_steps": POS_INT,
                        "cherry_pool": POS_INT,  # samples per class scored for cherry-picking
                    },
                    [
                        "extractors",
                        "n_samples",
                        "n_samples_test",
                        "n_samples_curve",
                        "n_reference",
                        "kid_subsets",
                        "kid_subset_size",
                        "is_splits",
                        "seed",
                        "inception_weights",
                        "interpolation",
                        "interpolation_steps",
                        "cherry_pool",
                    ],
                ),
                "resources": obj(
                    {
                        step: obj(
                            {
                                "gpu": NONNEG_INT,
                                "threads": POS_INT,
                                "mem_mb": POS_INT,
                                "runtime": POS_INT,
                            },
                            ["gpu", "threads", "mem_mb", "runtime"],
                        )
                        for step in ("train", "evaluate")
                    },
                    ["train", "evaluate"],
                ),
                "classifier": obj(
                    {"width": POS_INT, "epochs": POS_INT, "lr": POS_NUM, "batch_size": POS_INT},
                    ["width", "epochs", "lr", "batch_size"],
                ),
                "sources": {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": {"pattern": NAME},
                    "additionalProperties": {
                        "type": "object",
                        "minProperties": 1,
                        "propertyNames": {"pattern": NAME},
                        "additionalProperties": RUN,
                    },
                },
            },
            [
                "scale",
                "seed",
                "seeds",
                "standins",
                "datasets",
                "evaluation",
                "classifier",
                "sources",
            ],
            # Top-level keys starting with "_" hold YAML anchors (building blocks) and are ignored.
            patternProperties={"^_": {}},
        ),
    }

"""params.yaml -> schema check -> scale resolution -> semantic checks -> frozen Params.

Every failure raises :class:`ParamsError` with one line naming the key path, e.g.
``sources.frank.wgan.optim.lr: must be > 0, got -0.0001``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ganrepro import layout
from ganrepro.config.schema import REQUIRED_SCALES, SCALES, params_schema
from ganrepro.config.types import (
    ACConfig,
    CFGConfig,
    ClassifierConfig,
    DatasetsConfig,
    EvalConfig,
    EvaluationConfig,
    ModelConfig,
    ObjectiveConfig,
    OptimConfig,
    Params,
    RehearsalConfig,
    Resources,
    RunConfig,
    ScheduleConfig,
    SizingConfig,
)
from ganrepro.config.usage import check_used
from ganrepro.data.registry import DATASETS


class ParamsError(ValueError):
    """params.yaml is malformed; the message names the key path."""


def _path(parts) -> str:
    return ".".join(str(p) for p in parts) or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    """One readable line for a schema error."""
    v, inst, arg = error.validator, error.instance, error.validator_value
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        patterns = error.schema.get("patternProperties", {})
        extra = sorted(
            k for k in set(inst) - set(allowed) if not any(re.search(p, k) for p in patterns)
        )
        return f"unknown key {extra[0]!r} (allowed: {', '.join(allowed)})"
    if v == "required":
        return error.message.replace(" is a required property", " is missing (required)")
    if v == "enum":
        return f"{inst!r} is not one of: {', '.join(map(str, arg))}"
    if v == "type":
        hint = ""
        if isinstance(inst, str) and "number" in str(arg):
            try:
                float(inst)
                hint = f" (YAML reads {inst} as text: write it with a dot, e.g. 5.0e-5)"
            except ValueError:
                pass
        return f"expected {arg}, got {type(inst).__name__} {inst!r}{hint}"
    if v == "minimum":
        return f"must be >= {arg}, got {inst!r}"
    if v == "exclusiveMinimum":
        return f"must be > {arg}, got {inst!r}"
    if v == "exclusiveMaximum":
        return f"must be < {arg}, got {inst!r}"
    if v == "oneOf" and "epochs" in str(error.schema):
        return "give exactly one budget: epochs, iterations or stages"
    if v == "pattern":
        return f"{inst!r} is not a valid name (lower-case letters, digits, _)"
    return error.message


def _misnamed(e: jsonschema.ValidationError) -> bool:
    return "propertyNames" in e.schema_path


def _where(e: jsonschema.ValidationError) -> str:
    """The key path of an error; for a bad key name, the path of that key."""
    return _path([*e.absolute_path, e.instance] if _misnamed(e) else e.absolute_path)


def _best_error(errors: list[jsonschema.ValidationError]) -> jsonschema.ValidationError:
    # A misnamed key first (everything beneath it is moot), then the deepest error in document
    # order: it names the most specific key.
    def rank(e: jsonschema.ValidationError):
        misnamed = _misnamed(e) or e.validator == "additionalProperties"
        return (not misnamed, -len(e.absolute_path), [str(p) for p in e.absolute_path])

    return min(errors, key=rank)


def validate_schema(raw: Any) -> None:
    validator = jsonschema.Draft202012Validator(params_schema())
    errors = list(validator.iter_errors(raw))
    if errors:
        err = _best_error(errors)
        raise ParamsError(f"{_where(err)}: {_describe(err)}")


def is_scaled(value: Any) -> bool:
    """A ``{quick: a, [small: c,] full: b}`` mapping: one value per scale."""
    return (
        isinstance(value, Mapping)
        and set(REQUIRED_SCALES) <= set(value)
        and set(value) <= set(SCALES)
    )


def at_scale(value: Mapping, scale: str) -> Any:
    """The value of a scaled mapping at ``scale`` (``small`` falls back to ``quick``)."""
    return value[scale] if scale in value else value["quick"]


def resolve_scale(value: Any, scale: str) -> Any:
    """Replace every ``{quick: a, full: b}`` by the value at ``scale``."""
    if isinstance(value, Mapping):
        if is_scaled(value):
            return resolve_scale(at_scale(value, scale), scale)
        return {k: resolve_scale(v, scale) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_scale(v, scale) for v in value]
    return value


def _tuple(x):
    return tuple(x) if isinstance(x, list) else x


def _build_run(source: str, name: str, r: dict, standins: bool) -> RunConfig:
    where = f"sources.{source}.{name}"
    trainer, loss = r["trainer"], r["objective"]["loss"]
    if trainer == "cfg" and loss != "logistic":
        raise ParamsError(
            f"{where}.objective.loss: trainer 'cfg' trains its discriminator with 'logistic'"
        )
    if trainer != "cfg" and loss == "logistic":
        raise ParamsError(
            f"{where}.objective.loss: 'logistic' is CFG-GAN's loss: use trainer 'cfg'"
        )
    unused = check_used(r)
    if unused:
        raise ParamsError(f"{where}.{unused[0]}: {unused[1]}")
    m = {k: _tuple(v) for k, v in r["model"].items()}
    o = dict(r["objective"])
    if "ac" in o:
        o["ac"] = ACConfig(**o["ac"])
    opt = {k: _tuple(v) for k, v in r["optim"].items()}
    spec = DATASETS[r["dataset"]]
    data = spec.standin if (standins and spec.standin) else spec.name
    run = RunConfig(
        source=source,
        name=name,
        trainer=r["trainer"],
        dataset=r["dataset"],
        data=data,
        splits=tuple(r["splits"]),
        model=ModelConfig(**m),
        objective=ObjectiveConfig(**o),
        optim=OptimConfig(**opt),
        schedule=ScheduleConfig(**r["schedule"]),
        eval=EvalConfig(**r["eval"]),
        cfg=CFGConfig(**r["cfg"]) if "cfg" in r else None,
    )
    _check_run(run, where)
    return run


def _check_run(run: RunConfig, where: str) -> None:
    """Rules the schema cannot express, each with the key path it is about."""

    def fail(key: str, msg: str):
        raise ParamsError(f"{where}.{key}: {msg}")

    spec, data = DATASETS[run.dataset], DATASETS[run.data]
    for split in run.splits:
        if split not in spec.splits:
            fail(
                "splits", f"{run.dataset} has no split {split!r} (it has: {', '.join(spec.splits)})"
            )
    unlabelled = [s for s in run.splits if s not in spec.labelled_splits]
    m, o = run.model, run.objective
    if (m.conditional or o.ac) and unlabelled:
        fail(
            "model.conditioning" if m.conditional else "objective.ac",
            f"needs labels, but split {unlabelled[0]!r} of {run.dataset} is unlabelled",
        )
    for split in run.splits:
        if split not in data.splits:
            fail("splits", f"split {split!r} has no offline stand-in in {data.name}")
    if o.gp and o.clip:
        fail("objective", "gp and clip are alternatives: set one of them to 0")
    if run.schedule.reuse_real and run.schedule.epochs is None:
        fail("schedule.reuse_real", "changes what an epoch is: for runs with epochs")
    if o.ac and m.arch != "resnet":
        fail("objective.ac", "the auxiliary classifier head exists on the resnet critic only")
    if m.conditioning == "cbn" and m.arch != "resnet":
        fail("model.conditioning", "conditional BatchNorm ('cbn') needs arch resnet")
    if m.conditioning == "embed" and m.arch != "dcgan":
        fail("model.conditioning", "'embed' conditioning needs arch dcgan")
    if m.conditioning == "embed" and m.embed_dim is None:
        fail("model.embed_dim", "is required with conditioning 'embed'")
    if m.conditioning == "onehot" and m.arch != "mlp":
        fail("model.conditioning", "'onehot' conditioning needs arch mlp")
    if m.arch == "mlp":
        if m.conditional and len(m.g_branches or ()) != 2:
            fail("model.g_branches", "give two widths: [z branch, y branch]")
        if m.conditional and len(m.d_branches or ()) != 2:
            fail("model.d_branches", "give two widths: [x branch, y branch]")
        if m.d_act == "maxout":
            n_layers = len(m.d_hidden) + (1 if m.conditional else 0)
            if m.maxout_pieces is None or len(m.maxout_pieces) != n_layers:
                fail("model.maxout_pieces", f"give one piece count per maxout layer ({n_layers})")
    if run.trainer == "cfg" and m.conditional:
        fail("model.conditioning", "trainer 'cfg' is unconditional")


def parse_params(raw: Any, scale: str | None = None, rehearse: bool = False) -> Params:
    """Validate a params mapping (as loaded from YAML) and freeze it at its scale; with
    ``rehearse``, the full scale's rehearsal (:func:`rehearsal`)."""
    validate_schema(raw)
    raw = {k: v for k, v in raw.items() if not k.startswith("_")}
    if rehearse and scale not in (None, "full"):
        raise ParamsError(
            f"scale: the rehearsal rehearses the full scale, not {scale!r}: drop scale={scale} "
            "(rehearse=true runs the full scale's settings)"
        )
    scale = "full" if rehearse else (scale or raw["scale"])
    if scale not in SCALES:
        raise ParamsError(f"scale: {scale!r} is not one of: {', '.join(SCALES)}")
    r = resolve_scale(raw, scale)
    if scale == "full" and r["standins"]:
        raise ParamsError(
            "standins: must be false at full scale (a stand-in never replaces a "
            "real dataset in a full reproduction)"
        )
    runs = {
        f"{source}/{name}": _build_run(source, name, run, r["standins"])
        for source, source_runs in r["sources"].items()
        for name, run in source_runs.items()
    }
    params = Params(
        scale=scale,
        seed=r["seed"],
        seeds=r["seeds"],
        standins=r["standins"],
        datasets=DatasetsConfig(**r["datasets"]),
        evaluation=EvaluationConfig(**{k: _tuple(v) for k, v in r["evaluation"].items()}),
        classifier=ClassifierConfig(**r["classifier"]),
        resources={step: Resources(**v) for step, v in r["resources"].items() if step != "sizing"},
        sizing=SizingConfig(**r["resources"]["sizing"]),
        runs=runs,
    )
    return rehearsal(params, r.get("rehearsal")) if rehearse else params


def rehearsal(params: Params, section: dict | None) -> Params:
    """The full scale's rehearsal: every full-scale setting, except that each training stops
    after ``steps`` generator iterations with ``checkpoints`` periodic checkpoints, every
    evaluation count is at most ``samples``, the reference statistics use at most
    ``reference`` images per split, each domain classifier stops after ``classifier_steps``,
    and only ``all_seeds`` train every seed."""
    if section is None:
        raise ParamsError("rehearsal: missing (the rehearsal's budgets: see the schema)")
    rh = RehearsalConfig(**{k: _tuple(v) for k, v in section.items()})
    if rh.checkpoints > rh.steps:
        raise ParamsError(
            f"rehearsal.checkpoints: {rh.checkpoints} checkpoints need at least as many "
            f"steps, got steps {rh.steps}"
        )
    if rh.checkpoints < 2:
        raise ParamsError("rehearsal.checkpoints: the rehearsal needs at least 2 (a curve)")
    for run_id in rh.all_seeds:
        if run_id not in params.runs:
            raise ParamsError(
                f"rehearsal.all_seeds: unknown run {run_id!r} (params.yaml defines: "
                f"{', '.join(params.runs)})"
            )
    trainers = {run.trainer for run in params.runs.values()}
    covered = {params.runs[r].trainer for r in rh.all_seeds}
    if trainers - covered:
        raise ParamsError(
            f"rehearsal.all_seeds: no run of trainer {sorted(trainers - covered)[0]!r} trains "
            "every seed: name one"
        )
    ev = params.evaluation
    n = rh.samples
    evaluation = replace(
        ev,
        n_samples=min(ev.n_samples, n),
        n_samples_test=min(ev.n_samples_test, n),
        n_samples_curve=min(ev.n_samples_curve, n),
        n_reference=min(ev.n_reference, rh.reference),
        cherry_pool=min(ev.cherry_pool, n),
        # the real file when it is configured (a cluster rehearsal), else the rehearsal's own
        # in torch-fidelity's format with random values (`ganrepro rehearse inception`)
        inception_weights=ev.inception_weights or layout.Tree("rehearsal").inception,
    )
    if "inception" in ev.extractors and ev.is_splits > n:
        raise ParamsError(
            f"rehearsal.samples: {n} samples cannot fill evaluation.is_splits ({ev.is_splits})"
        )
    runs = {
        run_id: replace(
            run,
            eval=replace(run.eval, checkpoints=min(run.eval.checkpoints, rh.checkpoints)),
            rehearsal=rh.steps,
        )
        for run_id, run in params.runs.items()
    }
    return replace(
        params,
        evaluation=evaluation,
        classifier=replace(params.classifier, max_steps=rh.classifier_steps),
        runs=runs,
        rehearsal=rh,
    )


def load_params(path: str | Path, scale: str | None = None, rehearse: bool = False) -> Params:
    """Read, validate and freeze ``path``; ``scale`` overrides the file's own ``scale``;
    ``rehearse``: the full scale's rehearsal."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: no such file")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ParamsError(
            f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping at the top level")
    return parse_params(raw, scale, rehearse)

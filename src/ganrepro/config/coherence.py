"""Do params.yaml and the source files agree on every name a job will look up? Checked when the
workflow loads and by ``ganrepro validate``, so that what would break the figure, table or
report job at the end of the DAG stops the run before its first job, in one line each.

Cheap on purpose (it runs on every workflow load): no torch, no claim code imported (a claim's
function is found by reading its module's top-level names).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from ganrepro import sources
from ganrepro.config.types import Params
from ganrepro.outputs.catalog import KINDS, METRICS, POSITIVE
from ganrepro.registry import ARCHITECTURES, LOSSES

EXTRACTORS = ("classifier", "inception")  # the features a comparison may pin


@functools.cache
def _module(path: Path) -> ast.Module | None:
    """A claim module's syntax tree (None: no module), read without importing it."""
    if not path.is_file():
        return None
    try:
        return ast.parse(path.read_text(), str(path))
    except SyntaxError as err:
        raise sources.SourceError(f"{path.name}: line {err.lineno}: {err.msg}") from None


def _functions(path: Path) -> frozenset[str]:
    tree = _module(path)
    return frozenset(n.name for n in (tree.body if tree else ()) if isinstance(n, ast.FunctionDef))


def _run_literals(path: Path, source: str) -> list[str]:
    """The run names a claim module spells out as "{source}/{run}" string literals (the ones
    it builds with f-strings are its own business)."""
    tree = _module(path)
    prefix = f"{source}/"
    return sorted(
        {
            n.value[len(prefix) :]
            for n in (ast.walk(tree) if tree else ())
            if isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and n.value.startswith(prefix)
            and n.value[len(prefix) :].isidentifier()
        }
    )


def _is(run, requires: str) -> bool:
    """Does ``run`` have what a kind of output ``requires`` (catalog.Kind.requires)?"""
    if requires == "cfg":
        return run.trainer == "cfg"
    if requires == "conditional":  # samples carry labels: a conditional generator or an AC head
        return run.model.conditional or run.objective.ac is not None
    raise ValueError(f"unknown requirement {requires!r}")


def _outputs(src: sources.Source, runs: set[str], params: Params) -> list[str]:
    out = []
    for book, items in (("figures", src.figures), ("tables", src.tables)):
        for name, o in items.items():
            where = f"{src.path.name}: {book}.{name}"
            kind = KINDS.get(o.kind)
            if kind is None:
                known = ", ".join(k for k, v in KINDS.items() if v.book == book[:-1])
                out.append(f"{where}: unknown kind {o.kind!r} (known: {known})")
                continue
            if kind.book != book[:-1]:
                out.append(f"{where}: {o.kind!r} is a {kind.book} kind, not a {book[:-1]}")
            out += [f"{where}: no run {r!r} in params.yaml" for r in o.runs if r not in runs]
            if kind.runs is not None and len(o.runs) != kind.runs:
                out.append(f"{where}: kind {o.kind!r} draws {kind.runs} run, not {len(o.runs)}")
            missing = [k for k in kind.options if k not in o.options]
            if missing:
                out.append(f"{where}: kind {o.kind!r} needs options.{missing[0]}")
            unused = [k for k in o.options if k not in kind.options]
            if unused:
                out.append(f"{where}: kind {o.kind!r} does not read options.{unused[0]}")
            for key, accepts in kind.options.items():
                if key not in o.options:
                    continue  # said above
                value = o.options[key]
                if accepts == POSITIVE:
                    if not (isinstance(value, int) and value > 0):
                        out.append(f"{where}: options.{key} {value!r}: expected {POSITIVE}")
                elif value not in accepts:
                    known = ", ".join(accepts)
                    out.append(f"{where}: options.{key} {value!r} (known: {known})")
            out += [
                f"{where}: kind {o.kind!r} needs {kind.requires} runs; {r!r} is not"
                for r in o.runs
                if r in runs
                and kind.requires
                and not _is(params.run(f"{src.name}/{r}"), kind.requires)
            ]
    return out


def _claims(src: sources.Source, runs: set[str]) -> list[str]:
    code = src.path.with_suffix(".py")
    out = [
        f"{code.name}: names the run '{src.name}/{r}', which params.yaml does not have"
        for r in _run_literals(code, src.name)
        if r not in runs
    ]
    for i, c in enumerate(src.claims):
        where = f"{src.path.name}: claims[{i}] ({c.name})"
        if c.combine == "code" and c.code not in _functions(code):
            out.append(f"{where}: no function {c.code!r} in {code.name}")
        for part in c.comparisons:
            absent = [r for r in (part.a, part.b) if r not in runs]
            out += [f"{where}: no run {r!r} in params.yaml" for r in absent]
            if part.metric not in METRICS:
                known = ", ".join(METRICS)
                out.append(f"{where}: unknown metric {part.metric!r} (known: {known})")
            if part.extractor is not None and part.extractor not in EXTRACTORS:
                out.append(
                    f"{where}: unknown extractor {part.extractor!r} "
                    f"(known: {', '.join(EXTRACTORS)})"
                )
    return out


def problems(params: Params, defs: dict[str, sources.Source] | None = None) -> list[str]:
    """Every disagreement between ``params`` and the source files (``defs``: those of the
    package), one line each."""
    defs = sources.load() if defs is None else defs
    out = [
        f"params.yaml: source {s!r} has no source file {sources.FOLDER}/{s}.yaml"
        for s in params.sources
        if s not in defs
    ]
    out += [
        f"{src.path.name}: no runs under sources.{name} in params.yaml"
        for name, src in defs.items()
        if name not in params.sources
    ]
    for name, src in defs.items():
        taken = vars(sources).get(name)
        if taken is not None and getattr(taken, "__name__", "") != f"{sources.__name__}.{name}":
            out.append(f"{src.path.name}: {name!r} is a name of ganrepro.sources itself: rename it")
        runs = {r.name for r in params.runs.values() if r.source == name}
        if not runs:
            continue
        out += _outputs(src, runs, params)
        out += _claims(src, runs)
        out += [
            f"{src.path.name}: reported: no run {r!r} in params.yaml"
            for r in src.reported
            if r not in runs
        ]
    for run_id, run in params.runs.items():
        for registry, value in ((LOSSES, run.objective.loss), (ARCHITECTURES, run.model.arch)):
            if not registry.entry(value).label:
                out.append(f"{run_id}: the {registry.kind} {value!r} has no report label")
    return out


def cost_gaps(params: Params, record: str | Path = "report/cost.json") -> list[str]:
    """The full-scale runs the cost record does not cover (the page marks them "not
    measured"); a damaged record raises ValueError naming the file and the command that
    rewrites it. ``params`` at any scale: the runs are the same."""
    from ganrepro.report.estimate import load_estimate

    if not Path(record).is_file():
        return []
    measured = load_estimate(record)["scales"]["full"]
    return [r for r in params.runs if r not in measured]

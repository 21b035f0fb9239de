"""The reports, one definition per source: ``sources/{source}.yaml`` says everything about one
report except its runs (which stay in ``params.yaml`` under ``sources.{source}``, the one place
a user changes a value): its description, figures, tables, the values it reported, its claims,
the sentences no claim tests, and where each full-scale setting comes from (the trace).
Claims that need code live in ``sources/{source}.py`` beside it; origins every source shares are
written once in ``sources/_shared.yaml``. docs/sources.md describes every key.

Reading a file checks its shape (unknown keys, missing keys, wrong types) and says which file
and key; whether the names it uses exist (runs, kinds, metrics, claim functions) is checked
against ``params.yaml`` by :func:`problems`, which ``ganrepro validate`` and the workflow run
before any job.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
FOLDER = "src/ganrepro/sources"  # the same folder, relative to the project's root (messages)
SHARED = "_shared"  # a file whose name starts with "_" is not a source


class SourceError(ValueError):
    """A source definition that is malformed or names something that does not exist."""


@dataclass(frozen=True)
class Output:
    """A figure (``results/{tree}/figures/{source}/{name}.png``) or a table; ``kind`` picks the
    code that makes it (:data:`ganrepro.outputs.catalog.KINDS`), ``runs`` are run names of the
    same source."""

    kind: str
    runs: tuple[str, ...]
    title: str
    caption: str = ""
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """One declared comparison: is run ``a`` better than run ``b`` on ``metric`` at
    ``checkpoint``, per seed (``better``: lower or higher), in ``extractor``'s features (None:
    the runs' own)? ``label`` heads its line in the report."""

    a: str
    b: str
    metric: str
    better: str
    label: str = "final"
    extractor: str | None = None
    checkpoint: str = "final"


@dataclass(frozen=True)
class ClaimSpec:
    """A claim as the source file writes it: ``compare`` (one comparison), ``all_of`` (every
    comparison must hold) or ``code`` (a function of ``sources/{source}.py``)."""

    source: str
    name: str
    text: str
    quote: str
    combine: str  # "compare", "all_of" or "code"
    comparisons: tuple[Comparison, ...] = ()
    code: str = ""


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    figures: dict[str, Output]
    tables: dict[str, Output]
    reported: dict[str, dict[str, float]]
    claims: tuple[ClaimSpec, ...]
    untested: tuple[tuple[str, str], ...]  # (the sentence, why no claim tests it)
    trace: dict[str, Any]
    path: Path


TOP = {"description", "figures", "tables", "reported", "claims", "untested", "trace"}
OUTPUT_KEYS = {"kind", "runs", "title", "caption", "options"}
CLAIM_KEYS = {"name", "text", "quote", "compare", "all_of", "code"}
COMPARISON_KEYS = {f.name for f in Comparison.__dataclass_fields__.values()}
CHECKPOINTS = ("final",)  # the checkpoint every run scores per seed in every metric
BETTER = ("lower", "higher")


def _fail(path: Path, where: str, what: str):
    raise SourceError(f"{path.name}: {where}: {what}")


def _keys(path: Path, where: str, value, allowed: set[str], required: set[str]) -> dict:
    if not isinstance(value, dict):
        _fail(path, where, f"expected a mapping, got {type(value).__name__}")
    extra = sorted(set(value) - allowed)
    if extra:
        _fail(path, where, f"unknown key {extra[0]!r} (known: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(value))
    if missing:
        _fail(path, where, f"missing key {missing[0]!r}")
    return value


def _text(path: Path, where: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(path, where, "expected a non-empty string")
    return value


def _outputs(path: Path, book: str, raw) -> dict[str, Output]:
    out = {}
    for name, spec in _keys(path, book, raw or {}, set(raw or {}), set()).items():
        where = f"{book}.{name}"
        spec = _keys(path, where, spec, OUTPUT_KEYS, {"kind", "runs", "title"})
        runs = spec["runs"]
        if not isinstance(runs, list) or not runs or not all(isinstance(r, str) for r in runs):
            _fail(path, f"{where}.runs", "expected a non-empty list of run names")
        if not isinstance(spec.get("options", {}), dict):
            _fail(path, f"{where}.options", "expected a mapping")
        out[str(name)] = Output(
            _text(path, f"{where}.kind", spec["kind"]),
            tuple(runs),
            _text(path, f"{where}.title", spec["title"]),
            spec.get("caption", ""),
            dict(spec.get("options") or {}),
        )
    return out


def _comparison(path: Path, where: str, raw) -> Comparison:
    spec = _keys(path, where, raw, COMPARISON_KEYS, {"a", "b", "metric", "better"})
    c = Comparison(**spec)
    if c.better not in BETTER:
        _fail(path, f"{where}.better", f"{c.better!r}: expected lower or higher")
    if c.checkpoint not in CHECKPOINTS:
        _fail(path, f"{where}.checkpoint", f"{c.checkpoint!r}: expected {' or '.join(CHECKPOINTS)}")
    return c


def _claims(path: Path, source: str, raw) -> tuple[ClaimSpec, ...]:
    if not isinstance(raw or [], list):
        _fail(path, "claims", "expected a list")
    out = []
    for i, spec in enumerate(raw or []):
        where = f"claims[{i}]"
        spec = _keys(path, where, spec, CLAIM_KEYS, {"text", "quote"})
        ways = [k for k in ("compare", "all_of", "code") if k in spec]
        if len(ways) != 1:
            _fail(path, where, "give exactly one of compare, all_of or code")
        way = ways[0]
        if way == "compare":
            parts = (_comparison(path, f"{where}.compare", spec["compare"]),)
        elif way == "all_of":
            if not isinstance(spec["all_of"], list) or len(spec["all_of"]) < 2:
                _fail(path, f"{where}.all_of", "expected a list of at least two comparisons")
            parts = tuple(
                _comparison(path, f"{where}.all_of[{j}]", c) for j, c in enumerate(spec["all_of"])
            )
        else:
            parts = ()
        name = spec.get("name") or spec.get("code")
        if not name:
            _fail(path, where, "a declared claim needs a name (its id in tests and the bench)")
        out.append(
            ClaimSpec(
                source,
                str(name),
                _text(path, f"{where}.text", spec["text"]),
                _text(path, f"{where}.quote", spec["quote"]),
                way,
                parts,
                spec.get("code", ""),
            )
        )
    names = [c.name for c in out]
    for n in names:
        if names.count(n) > 1:
            _fail(path, "claims", f"two claims are named {n!r}")
    return tuple(out)


def _reported(path: Path, raw) -> dict[str, dict[str, float]]:
    """{run: {d_loss, g_loss}}: the losses the source text printed (the page's columns)."""
    out = {}
    for run, values in _keys(path, "reported", raw or {}, set(raw or {}), set()).items():
        where = f"reported.{run}"
        values = _keys(path, where, values, {"d_loss", "g_loss"}, {"d_loss", "g_loss"})
        for k, v in values.items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                _fail(path, f"{where}.{k}", f"expected a number, got {v!r}")
        out[str(run)] = dict(values)
    return out


def _origins(path: Path, where: str, raw) -> dict[str, str]:
    for key, text in _keys(path, where, raw or {}, set(raw or {}), set()).items():
        _text(path, f"{where}.{key}", text)
    return dict(raw or {})


def _trace(path: Path, raw) -> dict[str, Any]:
    """``settings`` {setting: origin}, ``runs`` {run: {setting: origin}}, ``fixed`` {what:
    {value, origin}}: every origin a non-empty string."""
    raw = _keys(path, "trace", raw or {}, {"settings", "runs", "fixed"}, set())
    runs = raw.get("runs") or {}
    for run, over in _keys(path, "trace.runs", runs, set(runs), set()).items():
        _origins(path, f"trace.runs.{run}", over)
    fixed = raw.get("fixed") or {}
    for what, entry in _keys(path, "trace.fixed", fixed, set(fixed), set()).items():
        entry = _keys(path, f"trace.fixed.{what}", entry, {"value", "origin"}, {"value", "origin"})
        _text(path, f"trace.fixed.{what}.origin", entry["origin"])
    _origins(path, "trace.settings", raw.get("settings"))
    return raw


def _yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise SourceError(f"{path.name}: not valid YAML: {err}") from None


def read(path: Path) -> Source:
    """One source file, checked for shape (not for the names it uses: :func:`problems`)."""
    raw = _keys(path, "top level", _yaml(path) or {}, TOP, {"description"})
    untested = []
    for i, u in enumerate(raw.get("untested") or []):
        u = _keys(path, f"untested[{i}]", u, {"quote", "why"}, {"quote", "why"})
        untested.append((u["quote"], u["why"]))
    trace = _trace(path, raw.get("trace"))
    return Source(
        name=path.stem,
        description=_text(path, "description", raw["description"]),
        figures=_outputs(path, "figures", raw.get("figures")),
        tables=_outputs(path, "tables", raw.get("tables")),
        reported=_reported(path, raw.get("reported")),
        claims=_claims(path, path.stem, raw.get("claims")),
        untested=tuple(untested),
        trace=trace,
        path=path,
    )


@functools.cache
def load(folder: Path = HERE) -> dict[str, Source]:
    """Every source definition in ``folder``, by name, in name order (the shared origins are
    read and checked too, so that the workflow's load checks every file here)."""
    shared_trace(folder)
    return {p.stem: read(p) for p in sorted(folder.glob("*.yaml")) if not p.stem.startswith("_")}


@functools.cache
def shared_trace(folder: Path = HERE) -> dict[str, Any]:
    """The origins every source shares (``_shared.yaml``'s ``trace``)."""
    path = folder / f"{SHARED}.yaml"
    if not path.is_file():
        return {}
    raw = _keys(path, "top level", _yaml(path) or {}, {"trace"}, set())
    return _trace(path, raw.get("trace"))


def get(name: str) -> Source:
    from ganrepro.registry import UnknownName, unknown

    sources = load()
    if name not in sources:
        raise UnknownName(unknown("source", name, sources))
    return sources[name]


def code(source: str, name: str):
    """The claim function ``name`` of ``sources/{source}.py``."""
    try:
        module = importlib.import_module(f"{__name__}.{source}")
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{source}":
            raise  # the module exists and imports something missing: its own error
        raise SourceError(
            f"{source}.yaml: claim {name!r} names code, but there is no sources/{source}.py"
        ) from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise SourceError(f"{source}.yaml: claim code {name!r} is not a function of {source}.py")
    return fn

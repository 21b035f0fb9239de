"""What each source's figures and tables are: read from its source file
(``sources/{source}.yaml``), with what each kind of output reads.

A figure is ``results/{tree}/figures/{source}/{name}.png``, a table
``results/{tree}/tables/{source}/{name}.csv`` (and ``.md``). ``kind`` picks the code that makes
it; ``runs`` are run names of the same source; what a kind needs from a run folder (sample
arrays, metrics, log...) is in ``NEEDS``, so the workflow builds only that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ganrepro import sources
from ganrepro.registry import UnknownName, resolve, unknown
from ganrepro.sources import Output


@dataclass(frozen=True)
class Kind:
    """A kind of figure or table: one entry carries everything about the name. ``needs``: what
    it reads, names of ``layout.RUN_FILES`` (seed 0 of each of its runs; with a trailing "*",
    every seed) and "data" (the run's dataset); ``ganrepro.jobs`` declares exactly these as the
    job's inputs, and the code may read nothing else. ``make``: the code, as "module:function"
    (imported when drawn); ``options``: the option keys it reads (all required), each with what
    it accepts: a tuple of its values, or ``POSITIVE`` (a positive integer)."""

    book: str  # "figure" or "table"
    needs: tuple[str, ...]
    make: str
    doc: str
    options: dict[str, tuple[str, ...] | str] = field(default_factory=dict)
    runs: int | None = None  # how many runs it draws (None: any number)
    requires: str = ""  # what each of its runs must be: "cfg" (trainer) or "conditional"


METRICS = ("fid", "is_mean", "kid_mean", "precision", "recall")  # per seed, final checkpoint
# the metrics every checkpoint is scored in (the curves), with their axis labels
CURVE_METRICS = {"fid": "FID (lower is better)", "is_mean": "IS (higher is better)"}
POSITIVE = "a positive integer"  # what an option such as a grid's n accepts

_F, _T = "ganrepro.outputs.figures", "ganrepro.outputs.tables"
KINDS: dict[str, Kind] = {
    "grid": Kind("figure", ("samples",), f"{_F}:sample_figure", "seed 0's samples", runs=1),
    "grids": Kind(
        "figure",
        ("samples", "summary"),
        f"{_F}:grids",
        "the first n samples of each run side by side",
        {"n": POSITIVE, "nrow": POSITIVE},
    ),
    "interpolation": Kind(
        "figure", ("interpolation",), f"{_F}:sample_figure", "latent interpolation", runs=1
    ),
    "cherry": Kind(
        "figure", ("cherry",), f"{_F}:sample_figure", "the critic's best samples", runs=1
    ),
    "paired": Kind(
        "figure",
        ("samples", "data"),
        f"{_F}:sample_figure",
        "real images beside samples of the same labels",
        runs=1,
        requires="conditional",
    ),
    "steps": Kind("figure", ("grids", "summary"), f"{_F}:steps", "samples at each checkpoint"),
    "losses": Kind("figure", ("log", "summary"), f"{_F}:losses", "the training losses"),
    "metric_curves": Kind(
        "figure",
        ("log", "metrics*"),
        f"{_F}:metric_curves",
        "a metric over training, mean and band over seeds",
        {"metric": tuple(CURVE_METRICS)},
    ),
    "study_trend": Kind(
        "figure", ("log", "metrics*"), f"{_F}:study_trend", "final losses and FID per setting"
    ),
    "divergence": Kind(
        "figure",
        ("log", "summary"),
        f"{_F}:divergence",
        "CFG-GAN's discriminator gap per stage",
        requires="cfg",
    ),
    "metrics_table": Kind(
        "table", ("log*", "metrics*"), f"{_T}:metrics_table", "final metrics, mean and std"
    ),
    "class_accuracy": Kind(
        "table",
        ("metrics*",),
        f"{_T}:class_accuracy",
        "classifier accuracy per class",
        requires="conditional",
    ),
}
NEEDS: dict[str, tuple[str, ...]] = {name: k.needs for name, k in KINDS.items()}


def maker(kind: str):
    """The function that makes an output of ``kind``."""
    if kind not in KINDS:
        raise UnknownName(unknown("figure or table kind", kind, KINDS))
    return resolve(KINDS[kind].make)


def __getattr__(name: str):
    """FIGURES, TABLES and REPORTED: {source: {name: ...}} read from the source files when
    first asked for (so importing this module never fails on a malformed source file: the
    workflow and ``ganrepro validate`` report it in one line)."""
    defs = sources.load().values()
    if name == "FIGURES":  # {source: {name: Output}}
        return {s.name: s.figures for s in defs if s.figures}
    if name == "TABLES":
        return {s.name: s.tables for s in defs if s.tables}
    if name == "REPORTED":  # what the sources themselves reported, shown beside our numbers
        return {s.name: s.reported for s in defs if s.reported}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def name_pattern(book: dict[str, dict[str, Output]]) -> str:
    """A regular expression for the ``name`` wildcard of a figure or table path
    (``.../{source}/{name}.png``) that matches only the names of the source before it: each
    source's names behind a lookbehind on its folder. An unknown name is then "no rule to
    produce" the file in one line, never a failing job lookup."""
    return "|".join(
        rf"(?<=/{re.escape(source)}/)(?:{'|'.join(map(re.escape, names))})"
        for source, names in book.items()
    )


def get(kind: str, source: str, name: str) -> Output:
    """The figure (``kind='figure'``) or table of ``source`` called ``name``."""
    book = __getattr__("FIGURES" if kind == "figure" else "TABLES")
    if source not in book or name not in book[source]:
        known = ", ".join(f"{s}/{n}" for s, items in book.items() for n in items)
        raise UnknownName(f"unknown {kind} {source}/{name} (known: {known})")
    return book[source][name]


def reads(out: Output, source: str, params) -> list[str]:
    """The files a figure or table job reads (its declared inputs), by :data:`NEEDS`."""
    from ganrepro import layout

    T = layout.of(params)
    paths = []
    for name in out.runs:
        run_id = f"{source}/{name}"
        for need in NEEDS[out.kind]:
            if need == "data":
                paths.append(T.data(params.run(run_id).data))
            elif need.endswith("*"):
                seeds = range(params.seeds_for(run_id))
                paths += [T.run_file(run_id, k, need[:-1]) for k in seeds]
            else:
                paths.append(T.run_file(run_id, 0, need))
    return list(dict.fromkeys(paths))

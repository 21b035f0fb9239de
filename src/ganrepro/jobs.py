"""The job table: every job of the pipeline at one scale, with the files it reads and writes,
its ``ganrepro`` command and the settings it reads. The Snakemake rules (input functions,
``params:``) and ``dvc.yaml`` are both generated from it, so they cannot drift.

A job reruns exactly when what it depends on changes: its input files (both tools), its
command, and the settings it reads (``reads``: dotted params.yaml keys). Snakemake sees the
settings as ``params: config=<hash>`` (the values resolved at the scale, so a comment or a
change at another scale reruns nothing); DVC as the stage's ``params:`` keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganrepro import layout
from ganrepro.config.load import resolve_scale
from ganrepro.config.types import Params
from ganrepro.data.registry import DATASETS
from ganrepro.data.store import SETTINGS as DATA_SETTINGS
from ganrepro.io import write_text
from ganrepro.outputs import catalog

# The code each step runs (DVC's code deps; Snakemake does not track package code): every
# ganrepro module its command imports, by folder (tests/workflow/test_reruns.py traces the
# imports of every kind of job). ``cli.py`` (argument parsing) and the package's
# ``__init__.py`` (its version) are left out, so a help text does not rerun the pipeline.
_COMMON = (
    "src/ganrepro/config",
    "src/ganrepro/data",
    "src/ganrepro/registry.py",
    "src/ganrepro/io.py",
    "src/ganrepro/layout.py",
    "src/ganrepro/measure.py",  # every job's cost, recorded by the CLI
)
_NETS = (
    "src/ganrepro/train",
    "src/ganrepro/models",
    "src/ganrepro/objectives.py",
    "src/ganrepro/images.py",
)
# the feature extractors (Inception's file constants live in assets.py, free of torch)
_EXTRACT = ("src/ganrepro/evaluate", "src/ganrepro/assets.py")
_OUTPUTS = ("src/ganrepro/outputs", "src/ganrepro/sources")
CODE = {
    "rehearsal_archives": _COMMON,
    "rehearsal_inception": (*_COMMON, *_EXTRACT),
    "prepare_data": _COMMON,
    "classifier": (*_COMMON, "src/ganrepro/evaluate"),
    "stats": (*_COMMON, *_EXTRACT, *_NETS),
    "train": (*_COMMON, *_NETS),
    "evaluate": (*_COMMON, *_EXTRACT, *_NETS, "src/ganrepro/outputs"),
    "visuals": (*_COMMON, "src/ganrepro/evaluate", *_NETS),
    # figures, tables and the report are defined in the source files (src/ganrepro/sources/,
    # with the claims' code beside them)
    "figure": (*_COMMON, *_OUTPUTS, "src/ganrepro/plots", "src/ganrepro/images.py"),
    "table": (*_COMMON, *_OUTPUTS),
    "report": (
        *_COMMON,
        "src/ganrepro/sources",
        "src/ganrepro/report",
        "src/ganrepro/outputs",
        "src/ganrepro/plots",
        "src/ganrepro/images.py",
    ),
}
# n_samples / n_samples_test: the real-data floor is scored with the final sample counts
STATS_SETTINGS = (
    "extractors",
    "n_reference",
    "n_samples",
    "n_samples_test",
    "is_splits",
    "inception_weights",
)
EVALUATE_SETTINGS = (
    "extractors",
    "n_samples",
    "n_samples_test",
    "n_samples_curve",
    "draws",
    "kid_subsets",
    "kid_subset_size",
    "is_splits",
    "seed",
    "inception_weights",
)
# what every figure and table reads besides its runs' settings (titles, seeds)
OUTPUT_SETTINGS = ("scale", "standins", "seeds")
REPORT_SETTINGS = ("scale", "seed", "seeds", "standins", "datasets", "evaluation", "classifier")
REPORT_FILES = ("report/deviations.yaml", "report/cost.json")
# the rules whose commands read the rehearsal's budgets (params.yaml's ``rehearsal``)
REHEARSED = ("classifier", "stats", "train", "evaluate", "visuals", "report")


@dataclass(frozen=True)
class Job:
    rule: str  # the Snakemake rule; DVC stages are named "{rule}-{what}"
    name: str  # the DVC stage name
    args: tuple[str, ...]  # ganrepro's arguments (runtime knobs --device/--threads excepted)
    inputs: dict[str, str | tuple[str, ...]]
    outputs: dict[str, str]
    reads: tuple[str, ...]  # dotted params.yaml keys it reads
    code: tuple[str, ...]
    values: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    knobs: tuple[str, ...] = ()  # runtime knobs the workflow appends: device, threads
    subject: str = ""  # what it works on: a run id, "run_id/part" (visuals) or a dataset
    tree: layout.Tree = field(repr=False, compare=False, default=layout.Tree("quick"))

    @property
    def cmd(self) -> str:
        return shlex.join(("ganrepro", *self.args))

    @property
    def config_hash(self) -> str:
        """The settings it reads, resolved at the scale: Snakemake's rerun trigger."""
        blob = json.dumps(dict(self.values), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @property
    def stamp(self) -> str:
        return self.tree.settings_stamp(self.name, self.config_hash)

    def input_files(self) -> list[str]:
        files: list[str] = []
        for v in self.inputs.values():
            files += [v] if isinstance(v, str) else list(v)
        return list(dict.fromkeys(files))


class Table:
    """All jobs of ``params`` (one scale), by name; ``producing`` finds one by an output.
    ``raw`` is params.yaml as loaded (the values a job reads are taken from it)."""

    def __init__(self, params: Params, raw: Mapping):
        self.params = params
        self.raw = raw
        self.tree = layout.of(params)
        self.jobs: dict[str, Job] = {}
        for job in _build(self, params):
            if job.name in self.jobs:
                raise ValueError(f"two jobs named {job.name}")
            self.jobs[job.name] = job
        self._by_output = {out: job for job in self.jobs.values() for out in job.outputs.values()}

    def value(self, key: str, resolve: bool = True) -> Any:
        """params.yaml's ``key`` (dotted), resolved at this scale unless ``resolve`` is off."""
        node: Any = self.raw
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise KeyError(f"params.yaml has no {key}")
            node = node[part]
        if key == "scale":
            return self.params.scale
        return resolve_scale(node, self.params.scale) if resolve else node

    def job(self, rule: str, rule_reads: tuple[str, ...], resolve: bool = True, **kw) -> Job:
        if self.params.rehearsal and rule in REHEARSED:  # its budgets are settings it reads
            rule_reads = (*rule_reads, "rehearsal")
        values = {k: self.value(k, resolve) for k in rule_reads}
        return Job(
            rule=rule, reads=rule_reads, values=values, code=CODE[rule], tree=self.tree, **kw
        )

    def producing(self, path: str) -> Job:
        """The job that writes ``path``."""
        try:
            return self._by_output[path]
        except KeyError:
            pass
        run = re.match(re.escape(self.tree.run_dir("")) + r"([^/]+/[^/]+)/", path)
        if run:
            self.params.run(run[1])  # an unknown run is named as such
        output = re.match(re.escape(self.tree.root) + r"/(figure|table)s/([^/]+)/([^/.]+)\.", path)
        if output:
            catalog.get(*output.groups())  # so is an unknown figure or table
        raise KeyError(f"no job writes {path}")

    def write_stamps(self, root: str | Path = ".") -> int:
        """Bring each job's settings stamp up to date; return how many were written.

        A stamp is the job's settings (as JSON) in a file named by their hash, and the job's
        input in the workflow, so Snakemake reruns the job by modification time, also where
        it keeps no record of it (results pulled with DVC and ``--touch``-ed):

        - a new value makes a new file, newer than the outputs: the job reruns;
        - a job's first stamp is dated 1970: outputs made before stamps existed stay valid
          (Snakemake's own record of the params still applies);
        - a value changed back finds its old file, which is touched only if the job's outputs
          were made since the other value took over (``current`` holds the hash in force and
          dates the change): a dry run and a revert rerun nothing."""
        root = Path(root)
        written = 0
        for job in self.jobs.values():
            stamp = root / job.stamp
            current = stamp.parent / "current"
            first = not stamp.parent.exists()
            if not stamp.exists():
                text = json.dumps({"job": job.name, **job.values}, indent=1, default=str)
                write_text(stamp, text + "\n")
                written += 1
                if first:
                    os.utime(stamp, (0, 0))
            before = current.read_text().strip() if current.exists() else None
            if before != job.config_hash:
                if before is not None and _made_since(job, current.stat().st_mtime, root):
                    os.utime(stamp)
                write_text(current, job.config_hash + "\n")
        return written


def _made_since(job: Job, since: float, root: Path) -> bool:
    """Whether an output of ``job`` was written after ``since``."""
    return any(
        (root / p).exists() and (root / p).stat().st_mtime > since for p in job.outputs.values()
    )


def stage_name(*parts: str) -> str:
    return "-".join(p.replace("/", "-") for p in parts)


def _build(t: Table, params: Params):
    T = t.tree
    # the scale the table is for (every command reads params.yaml at it), and the rehearsal
    P = ("--params", "params.yaml", "--scale", params.scale)
    if params.rehearsal:
        P = (*P, "--rehearse")
    ev = params.evaluation
    # the local Inception weights are a file the feature extractor reads: an input (the
    # rehearsal's own random-valued file is a job's output)
    weights = (
        {"inception_weights": ev.inception_weights}
        if ev.inception_weights and "inception" in ev.extractors
        else {}
    )
    if params.rehearsal:
        if weights.get("inception_weights") == T.inception:
            yield t.job(
                "rehearsal_inception",
                ("seed",),
                name="rehearsal_inception",
                args=("rehearse", "inception", "--out", T.inception, *P),
                inputs={},
                outputs={"weights": T.inception},
            )
    for d in params.data_names():
        reads = ("standins", *(f"datasets.{k}" for k in DATA_SETTINGS.get(d, ())))  # store.py
        served = {}  # the rehearsal's archives of a real dataset, served to its download
        if params.rehearsal and DATASETS[d].real:
            served = {"archives": T.archives(d)}
            yield t.job(
                "rehearsal_archives",
                ("seed",),
                name=stage_name("rehearsal_archives", d),
                args=("rehearse", "archives", d, "--out", T.archives(d), *P),
                inputs={},
                outputs=served,
            )
        yield t.job(
            "prepare_data",
            reads,
            name=stage_name("prepare_data", d),
            args=(
                *("data", "prepare", d, "--out", T.data(d), "--raw-dir", T.raw),
                *(("--archives", served["archives"]) if served else ()),
                *P,
            ),
            inputs=served,
            outputs={"data": T.data(d)},
            subject=d,
        )
        yield t.job(
            "classifier",
            ("seed", "classifier"),
            name=stage_name("classifier", d),
            args=(
                *("classifier", "train", "--data", T.data(d)),
                *("--out", T.classifier(d), *P),
            ),
            inputs={"data": T.data(d)},
            outputs={"classifier": T.classifier(d)},
            knobs=("threads",),
            subject=d,
        )
        yield t.job(
            "stats",
            tuple(f"evaluation.{k}" for k in STATS_SETTINGS),
            name=stage_name("stats", d),
            args=(
                "stats",
                *("--data", T.data(d), "--classifier", T.classifier(d)),
                *("--out", T.stats(d), *P),
            ),
            inputs={"data": T.data(d), "classifier": T.classifier(d), **weights},
            outputs={"stats": T.stats(d)},
            knobs=("device", "threads"),
            subject=d,
        )
    drawn: dict[str, set[str]] = {}  # run -> the sample parts its figures draw (seed 0)
    for source, items in catalog.FIGURES.items():
        for out in items.values():
            part = layout.PART_OF_KIND.get(out.kind)
            if part:
                for name in out.runs:
                    drawn.setdefault(f"{source}/{name}", set()).add(part)
    for run_id, run in params.runs.items():
        run_key = f"sources.{run.source}.{run.name}"
        for k in range(params.seeds_for(run_id)):
            d = T.run_dir(run_id, k)
            at = stage_name(run_id, *((f"seed{k}",) if k else ()))
            trained = {w: T.run_file(run_id, k, w) for w in layout.TRAIN_OUTPUTS}
            yield t.job(
                "train",
                ("seed", "standins", run_key),
                name=stage_name("train", at),
                args=(
                    *("train", run_id, "--data", T.data(run.data), "--out", d),
                    *("--seed-index", str(k), "--restart-if-changed", *P),
                ),
                inputs={"data": T.data(run.data)},
                outputs=trained,
                knobs=("device", "threads"),
                subject=run_id,
            )
            yield t.job(
                "evaluate",
                (run_key, *(f"evaluation.{s}" for s in EVALUATE_SETTINGS)),
                name=stage_name("evaluate", at),
                args=(
                    *("evaluate", run_id, "--checkpoint", trained["checkpoint"]),
                    *("--summary", trained["summary"], "--log", trained["log"]),
                    *("--ckpt-dir", trained["ckpt"], "--stats", T.stats(run.data)),
                    *("--classifier", T.classifier(run.data)),
                    *("--out", T.run_file(run_id, k, "metrics"), *P),
                ),
                inputs={
                    **{w: trained[w] for w in layout.EVALUATED},
                    "stats": T.stats(run.data),
                    "classifier": T.classifier(run.data),
                    **weights,
                },
                outputs={"metrics": T.run_file(run_id, k, "metrics")},
                knobs=("device", "threads"),
                subject=run_id,
            )
        for part in sorted(drawn.get(run_id, ())):
            inputs = {"checkpoint": T.run_file(run_id, 0, "checkpoint")}
            extra: tuple[str, ...] = ()
            if part == "cherry" and not run.model.conditional:
                inputs["classifier"] = T.classifier(run.data)
                extra = ("--classifier", inputs["classifier"])
            yield t.job(
                "visuals",
                (run_key, *(f"evaluation.{s}" for s in layout.PART_SETTINGS[part])),
                name=stage_name("visuals", run_id, part),
                args=(
                    *("visuals", run_id, "--part", part, "--checkpoint", inputs["checkpoint"]),
                    *extra,
                    *("--out", T.run_file(run_id, 0, part), *P),
                ),
                inputs=inputs,
                outputs={"out": T.run_file(run_id, 0, part)},
                knobs=("device", "threads"),
                subject=f"{run_id}/{part}",
            )
    for kind, registry, path_of in (
        ("figure", catalog.FIGURES, T.figure),
        ("table", catalog.TABLES, T.table),
    ):
        for source, items in registry.items():
            for name, out in items.items():
                dest = path_of(source, name)
                outputs = {"out": dest}
                if kind == "table":
                    outputs["md"] = T.table_md(source, name)
                reads = catalog.reads(out, source, params)
                yield t.job(
                    kind,
                    (*OUTPUT_SETTINGS, *(f"sources.{source}.{r}" for r in out.runs)),
                    name=stage_name(kind, source, name),
                    args=(kind, f"{source}/{name}", "--inputs", *reads, "--out", dest, *P),
                    inputs={"reads": tuple(reads)},
                    outputs=outputs,
                )
    from ganrepro.report.build import report_reads

    reads = report_reads(params)
    yield t.job(  # the report also shows the full scale's settings (trace, deviations)
        "report",
        (*REPORT_SETTINGS, "sources"),
        resolve=False,
        name="report",
        args=(
            *("report", "--inputs", *reads),
            *("--deviations", REPORT_FILES[0], "--out", T.report, *P),
        ),
        inputs={"reads": tuple(reads), "files": REPORT_FILES},
        outputs={"report": T.report},
    )

# Configuration and the job table. params.yaml is loaded into frozen dataclasses and validated
# against the JSON schema before any job runs; a malformed file stops here with one message
# naming the key. Every job's files, command and settings come from ganrepro.jobs (the same
# table dvc.yaml is generated from); the rules below only name the patterns and the resources.
import os
import re

from ganrepro import forkserver, jobs as job_table, layout, sources
from ganrepro.assets import AssetError, check_assets
from ganrepro.config import ParamsError, parse_params
from ganrepro.config.coherence import cost_gaps, problems
from ganrepro.data.download import MIRROR_ENV
from ganrepro.outputs import catalog
from ganrepro.sources import SourceError
from ganrepro.sizing import SIZED_RULES, Sizing
from ganrepro.train.runtime import RUNTIME_ENV, Runtime

# The device is a runtime knob, not a parameter: `--config device=cuda` (default: auto),
# checked here (without importing torch) so that a typo fails before any job is submitted.
DEVICE = str(config.pop("device", "auto"))
if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", DEVICE):
    raise WorkflowError(
        f"--config device={DEVICE}: expected auto, cpu, cuda or cuda:N (auto: cuda if present)"
    )
# So are the training step's (ganrepro.train.runtime), from $GANREPRO_RUNTIME: checked here,
# before any job starts; the jobs inherit the variable.
try:
    RUNTIME = Runtime.parse(os.environ.get(RUNTIME_ENV))
except ValueError as err:
    raise WorkflowError(f"${RUNTIME_ENV}: {err}") from None
# Where the real datasets' archives come from instead of their hosts (`--config
# mirror=URL_OR_FOLDER`, {mirror}/{dataset}/{file}; the md5s stay the real ones): passed to
# `ganrepro data prepare` as $GANREPRO_MIRROR, so it changes no result and reruns nothing.
if "mirror" in config:
    os.environ[MIRROR_ENV] = str(config.pop("mirror"))
# The full-scale rehearsal (`--config rehearse=true`): the full scale's settings with
# params.yaml's `rehearsal` budgets, in its own tree results/rehearsal/ (docs/rehearsal.md).
REHEARSE = str(config.pop("rehearse", False)).lower()
if REHEARSE not in ("true", "false"):
    raise WorkflowError(f"--config rehearse={REHEARSE}: expected true or false")
REHEARSE = REHEARSE == "true"
try:  # schema + rules, one readable message; then the source files (src/ganrepro/sources/)
    PARAMS = parse_params(config, rehearse=REHEARSE)
    sources.load()
except ParamsError as err:
    raise WorkflowError(f"params.yaml: {err}") from None
except SourceError as err:
    raise WorkflowError(f"{sources.FOLDER}/{err}") from None
# params.yaml and the source files (src/ganrepro/sources/) must agree on every name a figure,
# table or report job looks up: checked here, not at the end of the DAG. (The schema the loader
# checks against is generated from the code: the committed copy is for editors only.)
PROBLEMS = problems(PARAMS)
if PROBLEMS:
    raise WorkflowError(
        "params.yaml and the source files disagree:\n  " + "\n  ".join(PROBLEMS)
    )
try:
    COST_GAPS = cost_gaps(PARAMS)
except ValueError as err:
    raise WorkflowError(str(err)) from None

JOBS = job_table.Table(PARAMS, config)
JOBS.write_stamps()  # each job's settings file (an input: see job_inputs)
TREE = JOBS.tree  # results/{scale}/, or results/rehearsal/: every path below is in it
# What can be known before submission is checked here and said once (a dry run still shows its
# plan); a run stops in `onstart`, before any job runs or is submitted.
STOPS = []
try:  # the assets the jobs need from outside (ganrepro.assets)
    for line in check_assets(PARAMS, JOBS, os.environ.get(MIRROR_ENV)):
        logger.info(line)
except AssetError as err:
    STOPS += str(err).splitlines()

# What each job asks the scheduler for (ganrepro.sizing): at the full scale, sized from the
# latest rehearsal's measurements on the same device; a retry (Snakemake's `attempt`) asks for
# attempt x the first attempt's time, up to resources.sizing.max_runtime.
SIZING = Sizing(PARAMS, DEVICE, runtime=RUNTIME.to_dict())
ASKS = {a.job: a for a in SIZING.asks(JOBS.jobs.values())}
if workflow.is_main_process:
    for line in SIZING.summary(list(ASKS.values())):
        logger.info(line)
    if COST_GAPS and PARAMS.scale == "full":
        logger.info(
            f"report/cost.json does not cover {', '.join(COST_GAPS)}: the report marks them "
            "not measured (benchmarks/bench_cost.py adds them)"
        )
    for line in STOPS:
        logger.warning(f"a run stops here: {line}")
    for line in SIZING.problems(list(ASKS.values()), retries=2):
        logger.warning(
            f"on a cluster (with 2 retries), a run needing it stops here: {line}"
        )


onstart:
    # the jobs this run needs that cannot fit the partition over their attempts (a cluster
    # only: a local run has no time limit); Snakemake's --retries is known from here on
    needed = [
        ASKS[JOBS.producing(str(j.output[0])).name]
        for j in workflow.dag.needrun_jobs()
        if j.rule.name.removesuffix("_seed") in SIZED_RULES
    ]
    retries = workflow.execution_settings.retries
    too_long = SIZING.problems(needed, retries) if workflow.non_local_exec else []
    if STOPS or too_long:
        raise WorkflowError(
            "nothing was run or submitted:\n" + "\n".join(STOPS + too_long)
        )
    # a local run's jobs fork from one warm process (ganrepro.forkserver): torch is imported
    # once, not once a job; GANREPRO_FORKSERVER=off turns it off. Not for the rehearsal: it
    # measures what each job costs as a cluster job, in a process of its own (ganrepro.sizing)
    if not (workflow.non_local_exec or workflow.touch or REHEARSE) and needed:
        FORKSERVER.append(forkserver.start(".snakemake/ganrepro-forkserver.log"))


onsuccess:
    forkserver.stop(FORKSERVER.pop() if FORKSERVER else None)


onerror:
    forkserver.stop(FORKSERVER.pop() if FORKSERVER else None)


FORKSERVER = []  # the server of this run's jobs, once started
THREADS = {step: res.threads for step, res in PARAMS.resources.items()}


def job(first_output):
    """The job whose first output is ``first_output`` (a pattern) with these wildcards."""
    return lambda wildcards: JOBS.producing(
        first_output.format(**dict(wildcards.items()))
    )


def job_inputs(first_output):
    """The files the job reads, and its settings stamp (a changed setting makes a newer one)."""

    def inputs(wildcards):
        found = job(first_output)(wildcards)
        return {**found.inputs, "settings": found.stamp}

    return inputs


def job_params(first_output):
    """``config``: the hash of the settings the job reads (a changed value reruns it, a
    comment does not); ``cmd``: its ganrepro command (with ``--scale``: every command reads
    params.yaml at the workflow's scale)."""
    find = job(first_output)
    return {
        "config": lambda wildcards: find(wildcards).config_hash,
        "cmd": lambda wildcards: find(wildcards).cmd,
    }


def job_resources(first_output):
    """The resources of the job whose first output is ``first_output``: GPUs (their SLURM
    type, and CPUs per GPU), memory and runtime, both growing with the attempt.
    """
    find = job(first_output)
    ask = lambda wildcards: ASKS[find(wildcards).name]
    return {
        "gpu": lambda wildcards: ask(wildcards).gpu,
        "gpu_model": lambda wildcards: ask(wildcards).gpu_model,
        "cpus_per_gpu": lambda wildcards: ask(wildcards).cpus_per_gpu,
        "mem_mb": lambda wildcards, attempt: ask(wildcards).mem_at(attempt),
        "runtime": lambda wildcards, attempt: ask(wildcards).runtime_at(attempt),
    }


def source_outputs(source):
    """Every figure and table of ``source`` (the target named after it, rules/figures.smk)."""
    return [
        *(TREE.figure(source, n) for n in catalog.FIGURES.get(source, {})),
        *(TREE.table(source, n) for n in catalog.TABLES.get(source, {})),
    ]


def run_outputs(names, run_id, k):
    """The named run files of a run-id and seed pattern."""
    return {
        name: (
            directory(TREE.run_file(run_id, k, name))
            if name in layout.DIRECTORIES
            else TREE.run_file(run_id, k, name)
        )
        for name in names
    }


wildcard_constraints:
    source=r"[a-z][a-z0-9_]*",
    run=r"[a-z][a-z0-9_]*",
    dataset=r"[a-z][a-z0-9_]*",
    name=r"[a-z][a-z0-9_]*",
    part="|".join(layout.PARTS),
    k=r"[1-9][0-9]*",


localrules:
    assets,
    prepare_data,
    report,
    figure,
    table,

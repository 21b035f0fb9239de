# Configuration and the job table. params.yaml is loaded into frozen dataclasses and validated
# against the JSON schema before any job runs; a malformed file stops here with one message
# naming the key. Every job's files, command and settings come from ganrepro.jobs (the same
# table dvc.yaml is generated from); the rules below only name the patterns and the resources.
import os

from snakemake.utils import validate

from ganrepro import jobs as job_table, layout
from ganrepro.config import ParamsError, parse_params
from ganrepro.train.runtime import RUNTIME_ENV, Runtime

# The device is a runtime knob, not a parameter: `--config device=cuda` (default: auto).
DEVICE = config.pop("device", "auto")
# So are the training step's (ganrepro.train.runtime), from $GANREPRO_RUNTIME: checked here,
# before any job starts; the jobs inherit the variable.
try:
    Runtime.parse(os.environ.get(RUNTIME_ENV))
except ValueError as err:
    raise WorkflowError(f"${RUNTIME_ENV}: {err}") from None
# The full-scale rehearsal (`--config rehearse=true`): the full scale's settings with
# params.yaml's `rehearsal` budgets, in its own tree results/rehearsal/ (README).
REHEARSE = str(config.pop("rehearse", False)).lower()
if REHEARSE not in ("true", "false"):
    raise WorkflowError(f"--config rehearse={REHEARSE}: expected true or false")
REHEARSE = REHEARSE == "true"
try:  # schema + rules, one readable message
    PARAMS = parse_params(config, rehearse=REHEARSE)
except ParamsError as err:
    raise WorkflowError(f"params.yaml: {err}") from None
validate(config, "../schemas/params.schema.json")

JOBS = job_table.Table(PARAMS, config)
JOBS.write_stamps()  # each job's settings file (an input: see job_inputs)
RES = PARAMS.resources
TREE = JOBS.tree  # results/{scale}/, or results/rehearsal/: every path below is in it


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
    prepare_data,
    report,
    figure,
    table,

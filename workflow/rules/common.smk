# Configuration: loaded into frozen dataclasses and validated against the JSON schema before
# any rule runs. A malformed params.yaml stops here with one message naming the key.
from snakemake.utils import validate

from ganrepro.config import ParamsError, parse_params
from ganrepro.outputs import catalog

try:
    PARAMS = parse_params(config)  # schema + semantic rules, one readable message
except ParamsError as err:
    raise WorkflowError(f"params.yaml: {err}") from None
validate(config, "../schemas/params.schema.json")

SCALE = PARAMS.scale
RES = PARAMS.resources
# The device is a runtime knob, not a parameter: `--config device=cuda` (default: auto).
DEVICE = config.get("device", "auto")
# Every ganrepro command reads the same file at the same scale as the workflow.
PARAMS_ARGS = f"--params params.yaml --scale {SCALE}"


def seed_dir(k):
    """Seed 0 at SPEC's run folder, seed k >= 1 in a seed{k}/ subfolder."""
    return "" if k == 0 else f"seed{k}/"


def run_outputs(name):
    """``name`` (e.g. metrics.json) of every run and seed."""
    return [
        f"results/runs/{run_id}/{seed_dir(k)}{name}"
        for run_id in PARAMS.runs
        for k in range(PARAMS.seeds)
    ]


def run_data(wildcards):
    """The prepared dataset a run trains on (its stand-in at quick scale)."""
    return f"results/data/{PARAMS.run(f'{wildcards.source}/{wildcards.run}').data}.npz"


def eval_inputs(wildcards):
    data = PARAMS.run(f"{wildcards.source}/{wildcards.run}").data
    return {
        "stats": f"results/stats/{data}.npz",
        "classifier": f"results/classifiers/{data}.pt",
    }


def output_inputs(kind):
    def inputs(wildcards):
        out = catalog.get(kind, wildcards.source, wildcards.name)
        needs = catalog.NEEDS[out.kind]
        files = {}
        for i, run_name in enumerate(out.runs):
            run_id = f"{wildcards.source}/{run_name}"
            data = PARAMS.run(run_id).data
            if "samples" in needs:
                files[f"samples{i}"] = f"results/runs/{run_id}/samples.npz"
            if "checkpoint" in needs:
                files[f"ckpt{i}"] = f"results/runs/{run_id}/checkpoint.pt"
            if "log" in needs:
                files[f"log{i}"] = f"results/runs/{run_id}/log.csv"
            if "metrics" in needs:
                files[f"metrics{i}"] = [
                    f"results/runs/{run_id}/{seed_dir(k)}metrics.json"
                    for k in range(PARAMS.seeds)
                ]
            if "data" in needs:
                files["data"] = f"results/data/{data}.npz"
        return files

    return inputs


def optional(inputs, name, flag):
    return f"{flag} {inputs[name]}" if name in inputs.keys() else ""


ALL_FIGURES = [
    f"results/figures/{source}/{name}.png"
    for source, figures in catalog.FIGURES.items()
    for name in figures
]
ALL_TABLES = [
    f"results/tables/{source}/{name}.csv"
    for source, tables in catalog.TABLES.items()
    for name in tables
]


wildcard_constraints:
    source=r"[a-z][a-z0-9_]*",
    run=r"[a-z][a-z0-9_]*",
    dataset=r"[a-z][a-z0-9_]*",
    name=r"[a-z][a-z0-9_]*",
    k=r"[1-9][0-9]*",


localrules:
    prepare_data,
    report,
    figure,
    table,

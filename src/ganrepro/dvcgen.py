"""dvc.yaml, generated from the same sources as the Snakemake workflow (params.yaml and the
output catalog), so the two cannot drift: ``ganrepro dvc-yaml --check dvc.yaml`` fails when the
committed file is stale, and a test compares its outputs with Snakemake's job outputs.

Stages call the same ``ganrepro`` commands as the rules. Each train stage depends on its own
``sources.{source}.{run}`` key of params.yaml (plus ``seed`` and ``standins``), so changing one
run's learning rate makes only that run and what follows it stale.
"""

from __future__ import annotations

from ganrepro.config.types import Params
from ganrepro.outputs import catalog

P = "--params params.yaml"
CODE = {
    "data": ["src/ganrepro/data"],
    "train": [
        "src/ganrepro/train",
        "src/ganrepro/models",
        "src/ganrepro/objectives.py",
        "src/ganrepro/images.py",
    ],
    "evaluate": ["src/ganrepro/evaluate"],
    "outputs": ["src/ganrepro/outputs", "src/ganrepro/plots", "src/ganrepro/images.py"],
    "report": ["src/ganrepro/report", "report/deviations.yaml"],
}


def run_dir(run_id: str, k: int) -> str:
    return f"results/runs/{run_id}" + (f"/seed{k}" if k else "")


def stage_name(*parts: str) -> str:
    return "-".join(p.replace("/", "-") for p in parts)


def _run_stages(params: Params) -> dict:
    stages = {}
    for run_id, run in params.runs.items():
        data = f"results/data/{run.data}.npz"
        for k in range(params.seeds):
            d = run_dir(run_id, k)
            suffix = (f"seed{k}",) if k else ()
            stages[stage_name("train", run_id, *suffix)] = {
                "cmd": f"ganrepro train {run_id} --data {data} --out {d} --seed-index {k} "
                f"--restart-if-changed {P}",
                "deps": [data, *CODE["train"]],
                "params": [f"sources.{run.source}.{run.name}", "seed", "standins"],
                "outs": [
                    f"{d}/checkpoint.pt",
                    f"{d}/train.json",
                    f"{d}/config.yaml",
                    f"{d}/samples.png",
                    {f"{d}/ckpt": {"persist": True}},
                    {f"{d}/grids": {"persist": True}},
                ],
                "plots": [{f"{d}/log.csv": {"x": "step", "y": "loss_d", "cache": True}}],
            }
            stages[stage_name("evaluate", run_id, *suffix)] = {
                "cmd": (
                    f"ganrepro evaluate {run_id} --run-dir {d} --stats "
                    f"results/stats/{run.data}.npz --classifier results/classifiers/"
                    f"{run.data}.pt --out {d}/metrics.json --samples {d}/samples.npz {P}"
                ),
                "deps": [
                    f"{d}/checkpoint.pt",
                    f"{d}/train.json",
                    f"{d}/ckpt",
                    f"{d}/log.csv",
                    f"results/stats/{run.data}.npz",
                    f"results/classifiers/{run.data}.pt",
                    *CODE["evaluate"],
                ],
                "params": ["evaluation"],
                "outs": [f"{d}/samples.npz"],
                # cached: results/ is not in git, so only the DVC cache carries them to a clone
                "metrics": [{f"{d}/metrics.json": {"cache": True}}],
            }
    return stages


def _output_deps(params: Params, source: str, out: catalog.Output) -> list[str]:
    needs = catalog.NEEDS[out.kind]
    deps = []
    for name in out.runs:
        run_id = f"{source}/{name}"
        data = params.run(run_id).data
        if "samples" in needs:
            deps.append(f"{run_dir(run_id, 0)}/samples.npz")
        if "checkpoint" in needs:
            deps.append(f"{run_dir(run_id, 0)}/checkpoint.pt")
        if "log" in needs:
            deps.append(f"{run_dir(run_id, 0)}/log.csv")
        if "metrics" in needs:
            deps += [f"{run_dir(run_id, k)}/metrics.json" for k in range(params.seeds)]
        if "data" in needs:
            deps.append(f"results/data/{data}.npz")
    return list(dict.fromkeys(deps))


def dvc_yaml(params: Params) -> dict:
    stages: dict = {}
    for d in params.data_names():
        stages[f"prepare_data-{d}"] = {
            "cmd": f"ganrepro data prepare {d} --out results/data/{d}.npz {P}",
            "deps": CODE["data"],
            "params": ["datasets", "standins"],
            "outs": [f"results/data/{d}.npz"],
        }
        stages[f"classifier-{d}"] = {
            "cmd": f"ganrepro classifier train --data results/data/{d}.npz --out "
            f"results/classifiers/{d}.pt {P}",
            "deps": [f"results/data/{d}.npz", *CODE["evaluate"]],
            "params": ["classifier", "seed"],
            "outs": [f"results/classifiers/{d}.pt"],
        }
        stages[f"stats-{d}"] = {
            "cmd": f"ganrepro stats --data results/data/{d}.npz --classifier "
            f"results/classifiers/{d}.pt --out results/stats/{d}.npz {P}",
            "deps": [f"results/data/{d}.npz", f"results/classifiers/{d}.pt", *CODE["evaluate"]],
            "params": ["evaluation"],
            "outs": [f"results/stats/{d}.npz"],
        }
    stages.update(_run_stages(params))
    figures, tables = [], []
    for source, items in catalog.FIGURES.items():
        for name, out in items.items():
            path = f"results/figures/{source}/{name}.png"
            figures.append(path)
            extra = "".join(
                f" --data {dep}"
                for dep in _output_deps(params, source, out)
                if dep.startswith("results/data/")
            )
            stages[stage_name("figure", source, name)] = {
                "cmd": f"ganrepro figure {source}/{name} --runs-dir results/runs --out {path}"
                f"{extra} {P}",
                "deps": [*_output_deps(params, source, out), *CODE["outputs"]],
                "outs": [path],
            }
    for source, items in catalog.TABLES.items():
        for name, out in items.items():
            path = f"results/tables/{source}/{name}.csv"
            tables.append(path)
            stages[stage_name("table", source, name)] = {
                "cmd": f"ganrepro table {source}/{name} --runs-dir results/runs --out {path} {P}",
                "deps": [*_output_deps(params, source, out), *CODE["outputs"]],
                "outs": [path, path[:-4] + ".md"],
            }
    metrics = [f"{run_dir(r, k)}/metrics.json" for r in params.runs for k in range(params.seeds)]
    stages["report"] = {
        "cmd": "ganrepro report --runs-dir results/runs --figures-dir results/figures "
        "--tables-dir results/tables --data-dir results/data --deviations "
        f"report/deviations.yaml --out results/report/index.html {P}",
        "deps": [*metrics, *figures, *tables, *CODE["report"]],
        "outs": ["results/report/index.html"],
    }
    # loss curves of every run for `dvc plots show` (D and G loss against the step)
    curves = [
        {f"{run_dir(r, 0)}/log.csv": {"x": "step", "y": ["loss_d", "loss_g"]}} for r in params.runs
    ]
    return {"stages": stages, "plots": curves}


HEADER = """\
# Generated by `ganrepro dvc-yaml --out dvc.yaml` from params.yaml and the output catalog:
# do not edit by hand (tests fail when it is stale). The stages run the same `ganrepro`
# commands as the Snakemake rules; see README "DVC".
"""


def render(params: Params) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # plain repeated lists, no &anchors
            return True

    return HEADER + yaml.dump(dvc_yaml(params), Dumper=Dumper, sort_keys=False, width=100)

"""``ganrepro report``: the final rule of the DAG."""

from __future__ import annotations

from pathlib import Path

from ganrepro import layout
from ganrepro.config.types import Params
from ganrepro.io import write_text
from ganrepro.layout import Files
from ganrepro.outputs import catalog
from ganrepro.report.estimate import estimate_html
from ganrepro.report.html import build_page
from ganrepro.report.provenance import provenance
from ganrepro.report.results import Results, present
from ganrepro.report.trace import trace_html

# What a scale may change freely (sizes and budgets); anything else that differs from the full
# scale (a learning rate, a loss setting...) is a deviation the report must list.
SIZES = {"width", "g_width", "embed_dim", "g_hidden", "d_hidden", "g_branches", "d_branches"}
BUDGETS = {"batch_size", "g_batch_size", "epochs", "iterations", "stages", "checkpoints"}
CFG_SIZES = {"T", "approx_n", "approx_epochs"}


def scale_deviations(params: Params, full: Params) -> list[dict]:
    """Settings of ``params`` that differ from the full scale beyond sizes and budgets, per
    run, as rows of the Deviations table (derived from params.yaml, never typed twice)."""
    if params.scale == full.scale:
        return []
    rows = []
    for run_id, run in params.runs.items():
        ours, theirs = run.flat(), full.run(run_id).flat()
        changed = [
            f"{key} {ours[key]} (full: {theirs[key]})"
            for key in ours
            if ours[key] != theirs.get(key)
            and key.split(".")[-1] not in SIZES | BUDGETS | CFG_SIZES
            and key not in ("data",)
        ]
        if changed:
            rows.append(
                {
                    "source": run.source,
                    "topic": f"{params.scale} scale: {run.name}",
                    "text": "n/a",
                    "we": "; ".join(changed),
                    "why": f"the {params.scale} scale's budget: without it this run does not "
                    "learn visibly in its few steps (sizes and budgets differ by design)",
                }
            )
    return rows


def report_reads(params: Params) -> list[str]:
    """The files under results/ the report reads (its declared inputs): every seed's
    metrics.json and train.json (compute) of every run, every figure and table (CSV) of every
    source, and every prepared dataset (the provenance says what each one is). The report's
    own files (``--params``, ``--deviations`` and the cost.json beside it, the source files) are
    not among them."""
    T = layout.of(params)
    paths = [
        T.run_file(r, k, name)
        for r in params.runs
        for k in range(params.seeds_for(r))
        for name in ("metrics", "summary")
    ]
    for source in params.sources:
        paths += [T.table(source, name) for name in catalog.TABLES.get(source, {})]
        paths += [T.figure(source, name) for name in catalog.FIGURES.get(source, {})]
    paths += [T.data(name) for name in params.data_names()]
    return paths


def build_report(
    params: Params, params_path: Path, files: Files, deviations: Path, out: Path
) -> Results:
    """Write the report page to ``out``, reading results through ``files`` (see
    :func:`report_reads`); a run, figure or table that is not there is shown as missing."""
    from ganrepro.config import load_params

    results = Results.load(params, files)
    real_full = params.scale == "full" and not params.rehearsal
    full = params if real_full else load_params(params_path, scale="full")
    data = [present(files, files.tree.data(name)) for name in params.data_names()]
    page = build_page(
        params,
        results,
        files,
        deviations,
        provenance(
            params_path, params.label if params.rehearsal else params.scale, [p for p in data if p]
        ),
        scale_deviations(params, full),
        trace_html(full),
        estimate_html(deviations.parent / "cost.json", full),
    )
    write_text(out, page)
    return results

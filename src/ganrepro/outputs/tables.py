"""Tables of the catalog: CSV (numbers, mean and std columns) and Markdown (mean ± std), from
run files read through a :class:`ganrepro.layout.Files`."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ganrepro.config.types import Params
from ganrepro.data import DATASETS
from ganrepro.io import write_text
from ganrepro.layout import Files
from ganrepro.outputs.catalog import METRICS, REPORTED, Output, maker
from ganrepro.outputs.runs import final_losses, fmt, mean_std, metrics, primary_extractor


def metrics_table(out: Output, source: str, params: Params, files: Files) -> pd.DataFrame:
    rows = []
    for name in out.runs:
        run = params.run(f"{source}/{name}")
        seeds = params.seeds_for(run.id)
        ms = metrics(files, run.id, seeds)
        ex = primary_extractor(ms[0])
        losses = [final_losses(files.run(run.id, k, "log")) for k in range(seeds)]
        row = {
            "run": name,
            "dataset": run.dataset,
            "data": run.data,
            "extractor": ex,
            "seeds": len(ms),
            "status": ",".join(sorted({m["status"] for m in ms})),
            "steps": ms[0]["step"],
            "wall_time_s": mean_std([m["wall_time_s"] for m in ms])[0],
        }
        for key in ("d_loss", "g_loss"):
            row[key], row[f"{key}_std"] = mean_std([x.get(key, math.nan) for x in losses])
        for key in METRICS:
            row[key], row[f"{key}_std"] = mean_std([m["final"][ex][key] for m in ms])
        for key, value in REPORTED.get(source, {}).get(name, {}).items():
            row[f"reported_{key}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def class_accuracy(out: Output, source: str, params: Params, files: Files) -> pd.DataFrame:
    cols = {}
    names = None
    for name in out.runs:
        run = params.run(f"{source}/{name}")
        names = names or DATASETS[run.data].class_names
        ms = metrics(files, run.id, params.seeds_for(run.id))
        per = [m["final"]["classifier"]["class_accuracy"] for m in ms]
        cols[name] = [mean_std([p[c] for p in per])[0] for c in range(10)]
        cols[f"{name}_class"] = list(DATASETS[run.data].class_names)
    return pd.DataFrame({"class_index": range(10), **cols})


def display_rows(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Columns and cells as shown to a reader: mean ± std where a ``{col}_std`` column exists,
    numbers to 4 significant digits, "—" for a missing value."""
    shown = [c for c in df.columns if not c.endswith("_std")]
    rows = []
    for _, row in df.iterrows():
        cells = []
        for c in shown:
            v = row[c]
            if isinstance(v, float):
                std = row.get(f"{c}_std")
                cells.append(fmt(v, None if std is None or pd.isna(std) else std, 4))
            else:
                cells.append(str(v))
        rows.append(cells)
    return shown, rows


def to_markdown(df: pd.DataFrame, title: str) -> str:
    shown, rows = display_rows(df)
    lines = [f"# {title}", "", "| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def tabulate(out: Output, source: str, params: Params, files: Files, dest: Path) -> None:
    df = maker(out.kind)(out, source, params, files)
    write_text(dest, df.to_csv(index=False))
    note = f" ({params.scale} scale, stand-in data)" if params.standins else ""
    if params.rehearsal:
        note = f" ({params.label}: not comparable)"
    write_text(dest.with_suffix(".md"), to_markdown(df, out.title + note))

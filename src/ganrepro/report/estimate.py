"""The full reproduction's training cost, projected from a benchmark's measured throughput.

``report/cost.json`` is written by ``python benchmarks/bench_cost.py --scales full --json
report/cost.json`` on the hardware it describes: per run, the seconds per generator iteration
(CFG-GAN: per stage), the full schedule's length and the seeds, and their product in
device-hours. The page shows it beside the measured compute, naming the device, the date and
the command, and marks the runs it does not cover.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from ganrepro.config.types import Params

KEYS = ("s_per_iteration", "iterations", "seeds", "device_hours")


def load_estimate(path: str | Path) -> dict:
    """The record, checked: one error naming the file and what is wrong in it."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
        runs = record["scales"]["full"]
        for run_id, row in runs.items():
            missing = [k for k in KEYS if not isinstance(row.get(k), int | float)]
            if missing:
                raise ValueError(f"run {run_id} lacks a number for {', '.join(missing)}")
        for key in ("command", "date", "device_name"):
            if not isinstance(record.get(key), str):
                raise ValueError(f"no {key!r}")
        for where in (record, *runs.values()):
            if not isinstance(where.get("runtime", {}), dict):
                raise ValueError("a 'runtime' that is not a mapping of knobs")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        what = f"no {e}" if isinstance(e, KeyError) else str(e)
        raise ValueError(
            f"{path}: not a bench_cost.py record with a full scale ({what}); rewrite it with "
            "python benchmarks/bench_cost.py --scales full --json report/cost.json"
        ) from None
    return record


def estimate_html(path: str | Path, full: Params) -> str:
    """The estimate's paragraph and table for the page ('' without a record)."""
    path = Path(path)
    if not path.is_file():
        return ""
    esc = html.escape
    record = load_estimate(path)
    measured = record["scales"]["full"]
    rows, total, missing = [], 0.0, []
    for run_id in full.runs:
        row = measured.get(run_id)
        if row is None:
            missing.append(run_id)
            rows.append(f'<tr><td>{esc(run_id)}</td><td colspan="4">not measured</td></tr>')
            continue
        seeds = row["seeds"]
        hours = row["device_hours"] * full.seeds / seeds  # the full scale's seeds
        total += hours
        note = "" if seeds == full.seeds else f" (measured for {seeds}, scaled to {full.seeds})"
        dropped = {k: v for k, v in row.get("runtime", {}).items() if k != "log_every"}
        knobs_here = ", ".join(f"{k}={_word(v)}" for k, v in dropped.items())
        rows.append(
            f"<tr><td>{esc(run_id)}{f' ({esc(knobs_here)})' if knobs_here else ''}</td>"
            f"<td>{row['s_per_iteration']:.3f}</td><td>{row['iterations']:,}</td>"
            f"<td>{full.seeds}{esc(note)}</td><td>{hours:,.1f}</td></tr>"
        )
    knobs = ", ".join(f"{k}={_word(v)}" for k, v in record.get("runtime", {}).items())
    gaps = f" Not measured: {esc(', '.join(missing))}." if missing else ""
    gaps += "".join(  # runs added or refreshed later on the same machine (bench_cost --merge)
        f" {esc(', '.join(m['runs']))} measured {esc(m['date'])} by <code>{esc(m['command'])}"
        "</code>."
        for m in record.get("merges", [])
    )
    return (
        f"<h3>Full-scale estimate</h3><p>The full reproduction's training on "
        f"<b>{esc(record['device_name'])}</b> ({esc(str(record.get('threads', '?')))} threads, "
        f"torch {esc(str(record.get('torch', '?')))}; runtime {esc(knobs)}), measured "
        f"{esc(record['date'])} by <code>{esc(record['command'])}</code>: the seconds per "
        "generator iteration (CFG-GAN: per stage) x the full schedule x the seeds. Training "
        f"only; evaluation and data preparation come on top.{gaps}</p>"
        "<table><tr><th>run</th><th>s/iteration</th><th>iterations</th><th>seeds</th>"
        f"<th>device-hours</th></tr>{''.join(rows)}<tr><th>total</th><td></td><td></td><td></td>"
        f"<td>{total:,.1f}</td></tr></table>"
    )


def _word(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)

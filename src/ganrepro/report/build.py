"""``ganrepro report``: the final rule of the DAG."""

from __future__ import annotations

from pathlib import Path

from ganrepro.config.types import Params
from ganrepro.io import write_text
from ganrepro.report.html import build_page
from ganrepro.report.provenance import provenance
from ganrepro.report.results import Results


def build_report(
    params: Params,
    params_path: Path,
    runs: Path,
    figures: Path,
    tables: Path,
    data: Path,
    deviations: Path,
    out: Path,
) -> Results:
    results = Results.load(params, runs)
    page = build_page(
        params, results, figures, tables, deviations, provenance(params_path, params.scale, data)
    )
    write_text(out, page)
    return results

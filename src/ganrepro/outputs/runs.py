"""Reading run files: metrics across seeds (through :class:`ganrepro.layout.Files`), final
losses from a log.csv."""

from __future__ import annotations

import csv
import math
import statistics
from pathlib import Path

from ganrepro.data import DATASETS
from ganrepro.io import read_run_json, reading
from ganrepro.layout import Files, rerun_hint


def read_log(path: Path) -> dict[str, list[float]]:
    """A log.csv as columns of floats (blank cells: NaN); a damaged one is one line naming it
    and the job to rerun."""
    with reading(path, "training log (log.csv)", rerun_hint(path)):
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            cols = reader.fieldnames or []  # a run that diverged at once has a header only
        if any(None in r or None in r.values() for r in rows):  # a row cut short or too long
            raise ValueError("a row with a different number of cells than the header")
        return {
            c: [float(r[c]) if r[c] not in ("", None) else math.nan for r in rows] for c in cols
        }


def final_losses(path: Path, tail: float = 0.1) -> dict[str, float]:
    """Mean D and G losses over the last ``tail`` of the logged steps of the log.csv ``path``
    (the sources report a loss "at the end"; one step is too noisy to compare)."""
    log = read_log(path)
    out = {}
    for key, name in (("loss_d", "d_loss"), ("loss_g", "g_loss")):
        values = [v for v in log.get(key, []) if not math.isnan(v)]
        if values:
            k = max(1, int(len(values) * tail))
            out[name] = statistics.fmean(values[-k:])
    return out


def loss_summary(path: Path) -> dict[str, dict[str, float]]:
    """Per logged loss (``loss_d``, ``loss_g``) of the log.csv ``path`` (no file: {}): what the
    stability claims need from the log, kept in metrics.json so the report reads no logs.
    ``noise``: the step-to-step fluctuation
    over the second half of the logged steps (SD of the first differences / sqrt 2, which a slow
    drift barely moves); ``q05``/``q95``: the 5% and 95% quantiles over the whole run (the extent
    of the run's own loss curve); ``sd_second_half``; ``final`` as :func:`final_losses`."""
    log = read_log(path) if Path(path).is_file() else {}
    out = {}
    for key in ("loss_d", "loss_g"):
        values = [v for v in log.get(key, []) if math.isfinite(v)]
        if len(values) < 4:
            continue
        half = values[len(values) // 2 :]
        diffs = [b - a for a, b in zip(half, half[1:], strict=False)]
        q = statistics.quantiles(values, n=20, method="inclusive")
        k = max(1, int(len(values) * 0.1))
        out[key] = {
            "n": len(values),
            "noise": statistics.stdev(diffs) / math.sqrt(2) if len(diffs) > 1 else 0.0,
            "sd_second_half": statistics.stdev(half),
            "q05": q[0],
            "q95": q[-1],
            "final": statistics.fmean(values[-k:]),
        }
    return out


def metrics(files: Files, run_id: str, seeds: int) -> list[dict]:
    """metrics.json of seeds 0..seeds-1 of ``run_id``."""
    return [read_run_json(files.run(run_id, k, "metrics")) for k in range(seeds)]


# SPEC: the domain classifier is the standard for MNIST (and its stand-in), Inception elsewhere
CLASSIFIER_DATA = frozenset(
    name for d in ("mnist",) for name in (d, DATASETS[d].standin) if name is not None
)


def primary_extractor(m: dict) -> str:
    """The features a run's headline metrics use: the domain classifier for MNIST runs,
    else Inception when it was computed, else the domain classifier."""
    if m.get("data") in CLASSIFIER_DATA or "inception" not in m["final"]:
        return "classifier"
    return "inception"


def mean_std(values: list[float]) -> tuple[float, float | None]:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return math.nan, None
    return statistics.fmean(vals), (statistics.stdev(vals) if len(vals) > 1 else None)


def fmt(mean: float, std: float | None, digits: int = 3) -> str:
    if mean is None or math.isnan(mean):
        return "—"
    return f"{mean:.{digits}g} ± {std:.2g}" if std is not None else f"{mean:.{digits}g}"

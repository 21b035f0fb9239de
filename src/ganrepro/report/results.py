"""All runs' metrics, across seeds, as the claims and the report read them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ganrepro import layout
from ganrepro.config.types import Params
from ganrepro.layout import Files
from ganrepro.outputs.runs import primary_extractor


def present(files: Files, rel: str) -> Path | None:
    """``rel`` when the command was given it and it is there; else None (the report shows it as
    missing)."""
    if not files.has(rel):
        return None
    path = files.get(rel)
    return path if path.is_file() else None


@dataclass
class Results:
    """``metrics[run_id]``: one metrics.json dict per seed that has one (missing seeds: absent)."""

    metrics: dict[str, list[dict]]
    scale: str = "quick"
    standins: bool = True
    expected: dict[str, int] = field(default_factory=dict)  # run_id -> seeds expected

    @classmethod
    def load(cls, params: Params, files: Files) -> Results:
        """Every seed's metrics.json among ``files`` (one that is not there is missing)."""
        metrics = {}
        for run_id in params.runs:
            metrics[run_id] = [
                json.loads(path.read_text())
                for k in range(params.seeds)
                if (path := present(files, layout.run_file(run_id, k, "metrics")))
            ]
        return cls(
            metrics, params.scale, params.standins, {run_id: params.seeds for run_id in params.runs}
        )

    def extractor(self, run_id: str) -> str | None:
        ms = self.metrics.get(run_id) or []
        if not ms:
            return None
        return primary_extractor(ms[0])

    def final(self, run_id: str, key: str, extractor: str | None = None) -> list[float]:
        """Per-seed final value of ``key`` (a metric, or ``white_fraction``)."""
        out = []
        for m in self.metrics.get(run_id, []):
            ex = extractor or self.extractor(run_id)
            value = m["final"].get(key, m["final"].get(ex, {}).get(key))
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                out.append(float(value))
        return out

    def curves(self, run_id: str, key: str) -> list[list[tuple[int, float]]]:
        """Per seed: [(step, value)] over the periodic checkpoints."""
        ex = self.extractor(run_id)
        return [
            [(c["step"], c.get(key, c.get(ex, {}).get(key))) for c in m["curve"]]
            for m in self.metrics.get(run_id, [])
        ]

    def at_start(self, run_id: str, key: str) -> list[float]:
        """Per-seed value of ``key`` at step 0 (the untrained generator), when evaluated."""
        return [c[0][1] for c in self.curves(run_id, key) if c and c[0][0] == 0]

    def statuses(self, run_id: str) -> list[str]:
        return [m["status"] for m in self.metrics.get(run_id, [])]

    def missing(self, run_id: str) -> int:
        return self.expected.get(run_id, 1) - len(self.metrics.get(run_id, []))

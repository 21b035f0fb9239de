"""All runs' metrics, across seeds, as the claims and the report read them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ganrepro.config.types import Params
from ganrepro.io import read_run_json
from ganrepro.layout import Files
from ganrepro.outputs.runs import primary_extractor


def present(files: Files, rel: str) -> Path | None:
    """``rel`` when the command was given it and it is there; else None (the report shows it as
    missing)."""
    if not files.has(rel):
        return None
    path = files.get(rel)
    return path if path.is_file() else None


# every verdict of the full-scale rehearsal: its numbers exercise the code, they test nothing
REHEARSAL = "rehearsal: not comparable"


@dataclass
class Results:
    """``metrics[run_id]``: one metrics.json dict per seed that has one (missing seeds: absent);
    ``train[run_id]``: the seeds' train.json summaries the same way (compute, attempts)."""

    metrics: dict[str, list[dict]]
    scale: str = "quick"
    standins: bool = True
    expected: dict[str, int] = field(default_factory=dict)  # run_id -> seeds expected
    train: dict[str, list[dict]] = field(default_factory=dict)
    rehearsal: bool = False  # the full-scale rehearsal: nothing is comparable

    @classmethod
    def load(cls, params: Params, files: Files) -> Results:
        """Every seed's metrics.json among ``files`` (one that is not there is missing)."""

        def each(run_id: str, name: str) -> list[dict]:
            return [
                read_run_json(path)
                for k in range(params.seeds_for(run_id))
                if (path := present(files, files.tree.run_file(run_id, k, name)))
            ]

        return cls(
            {run_id: each(run_id, "metrics") for run_id in params.runs},
            params.scale,
            params.standins,
            {run_id: params.seeds_for(run_id) for run_id in params.runs},
            {run_id: each(run_id, "summary") for run_id in params.runs},
            params.rehearsal is not None,
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

    def best(self, run_id: str, key: str) -> list[tuple[int, float]]:
        """Per seed: (step, value of ``key``) of the best checkpoint (selected by train-split
        FID, see metrics.json's ``best.selected_by``), scored with the final protocol."""
        out = []
        for m in self.metrics.get(run_id, []):
            best = m.get("best") or {}
            ex = self.extractor(run_id)
            value = (best.get("final") or {}).get(ex, {}).get(key)
            if value is not None and math.isfinite(value):
                out.append((int(best["step"]), float(value)))
        return out

    def selected_by(self, run_id: str) -> str | None:
        for m in self.metrics.get(run_id, []):
            if m.get("best"):
                return m["best"].get("selected_by")
        return None

    def floor(self, run_id: str, split: str = "train") -> tuple[float, int] | None:
        """(FID, n) of real held-out images against the ``split`` reference, same features:
        what a perfect generator would score beside the final FID (seed 0's record)."""
        ms = self.metrics.get(run_id) or []
        ex = self.extractor(run_id)
        f = ((ms[0].get("reference") or {}).get(ex) or {}).get("floor") if ms else None
        if not (f or {}).get(split):  # no such split, or none stored for it
            return None
        return float(f[split]["fid"]), int(f[split]["n"])

    def real_is(self, run_id: str) -> float | None:
        """IS of the real training images, same features."""
        ms = self.metrics.get(run_id) or []
        ex = self.extractor(run_id)
        v = ((ms[0].get("reference") or {}).get(ex) or {}).get("train_is") if ms else None
        return float(v[0]) if v else None

    def draws(self, run_id: str, key: str) -> list[float]:
        """Seed 0's final checkpoint scored on each latent draw (the evaluation-draw spread)."""
        ms = self.metrics.get(run_id) or []
        ex = self.extractor(run_id)
        got = ((ms[0].get("final_draws") or {}).get(ex) or {}).get(key, []) if ms else []
        return [float(v) for v in got if v is not None and math.isfinite(v)]

    def attempts(self, run_id: str) -> list[dict]:
        """Every attempt of every seed (train.json ``attempts``; resumes and retries too)."""
        return [a for t in self.train.get(run_id, []) for a in t.get("attempts", [])]

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

    def start_and_final(self, run_id: str, key: str) -> list[tuple[float, float]]:
        """Per seed that has both, finite: (value at step 0, final value), paired by seed."""
        out = []
        ex = self.extractor(run_id)
        for m in self.metrics.get(run_id, []):
            curve = m.get("curve") or []
            start = curve[0].get(key, curve[0].get(ex, {}).get(key)) if curve else None
            final = m["final"].get(key, m["final"].get(ex, {}).get(key))
            if curve and curve[0].get("step") == 0 and start is not None and final is not None:
                if math.isfinite(start) and math.isfinite(final) and start:
                    out.append((float(start), float(final)))
        return out

    def statuses(self, run_id: str) -> list[str]:
        return [m["status"] for m in self.metrics.get(run_id, [])]

    def missing(self, run_id: str) -> int:
        return self.expected.get(run_id, 1) - len(self.metrics.get(run_id, []))

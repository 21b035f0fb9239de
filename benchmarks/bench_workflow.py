"""Workflow figures: full-scale dry-run time, per-rule times of the last quick run (from
logs/benchmarks/), and no-op DVC status / repro times.

    python benchmarks/bench_workflow.py            # after `bash scripts/quick.sh`
    python benchmarks/bench_workflow.py --dvc      # also DVC (after `dvc commit --force`)
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], repeat: int = 3) -> float:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dvc", action="store_true")
    args = ap.parse_args()
    t = timed([str(BIN / "snakemake"), "-n", "--config", "scale=full"])
    print(f"full-scale dry run (205 jobs): median {t:.2f} s (target <= 3 s)")
    per_rule: dict[str, list[float]] = defaultdict(list)
    for tsv in (ROOT / "logs/benchmarks").rglob("*.tsv"):
        parts = tsv.relative_to(ROOT / "logs/benchmarks").parts
        rule = parts[0] if len(parts) > 1 else tsv.stem
        with open(tsv) as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if rows:
            per_rule[rule].append(float(rows[-1]["s"]))
    if per_rule:
        print("\nper-rule wall time of the last run (s):")
        print(f"  {'rule':14s} {'jobs':>5s} {'median':>8s} {'max':>8s} {'sum':>8s}")
        for rule, ts in sorted(per_rule.items(), key=lambda kv: -sum(kv[1])):
            print(
                f"  {rule:14s} {len(ts):5d} {statistics.median(ts):8.1f} {max(ts):8.1f} "
                f"{sum(ts):8.1f}"
            )
        total = sum(sum(ts) for ts in per_rule.values())
        print(f"  job time in all: {total:.0f} s (on 2 cores the DAG runs two jobs at a time)")
    if args.dvc:
        print(f"\nno-op `dvc status`: median {timed([str(BIN / 'dvc'), 'status']):.2f} s")
        print(f"no-op `dvc repro`: median {timed([str(BIN / 'dvc'), 'repro']):.2f} s")


if __name__ == "__main__":
    main()

"""Workflow figures: full-scale dry-run time, per-rule times of the last quick run (from
logs/benchmarks/), the overhead share of that run, and no-op DVC status / repro times.

Overhead share: the job-seconds spent outside training and evaluation maths, over all
job-seconds of the run:

    job seconds       J = sum over jobs of the benchmark's wall time ("s", last row of each
                          logs/benchmarks/**/*.tsv)
    training maths    T = sum of train.json "wall_time_s" of the run folders of the train jobs
                          (the training loop itself, without the interpreter start and imports)
    evaluation maths  E = sum of the "(evaluation X s)" that each evaluate job prints to its log
                          (logs/evaluate/...): sampling, features, metrics and sample arrays,
                          everything inside evaluate_run
    overhead share    (J - T - E) / J

Everything else counts as overhead: starting Python, imports (torch's above all), loading
checkpoints and datasets, writing files, and the jobs around the runs (data, classifier, stats,
figures, tables, report). An evaluate log without that time (written before it was printed)
counts its whole job as evaluation maths, so the share is then a lower bound.

    python benchmarks/bench_workflow.py            # after `bash scripts/quick.sh`
    python benchmarks/bench_workflow.py --root DIR # the last quick run of another checkout
    python benchmarks/bench_workflow.py --dvc      # also DVC (after `dvc commit --force`)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MATHS = ("train", "evaluate")  # the rules whose jobs record their maths seconds
EVAL_TIME = re.compile(r"\(evaluation ([0-9.]+) s\)")


def timed(cmd: list[str], repeat: int = 3) -> float:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def job_times(root: Path) -> dict[str, list[tuple[str, float]]]:
    """rule -> [(job, seconds)] of the last run, the job named by its benchmark path below the
    rule's folder (for train and evaluate: the run folder below results/runs/)."""
    per_rule: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for tsv in sorted((root / "logs/benchmarks").rglob("*.tsv")):
        parts = tsv.relative_to(root / "logs/benchmarks").with_suffix("").parts
        with open(tsv) as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if rows:
            per_rule[parts[0]].append(("/".join(parts[1:]), float(rows[-1]["s"])))
    return per_rule


def maths_seconds(root: Path, rule: str, job: str, job_s: float) -> tuple[float, bool]:
    """Seconds of training or evaluation maths inside one job, and whether they were recorded
    (if not: the whole job)."""
    value = None
    if rule == "train":
        path = root / "results/runs" / job / "train.json"
        value = json.loads(path.read_text()).get("wall_time_s") if path.is_file() else None
    else:
        path = root / "logs/evaluate" / f"{job}.log"
        found = EVAL_TIME.findall(path.read_text()) if path.is_file() else []
        value = found[-1] if found else None
    return (job_s, False) if value is None else (min(float(value), job_s), True)


def overhead(root: Path, per_rule: dict[str, list[tuple[str, float]]]) -> None:
    total = sum(s for jobs in per_rule.values() for _, s in jobs)
    maths: dict[str, float] = defaultdict(float)
    unrecorded = 0
    for rule in MATHS:
        for job, s in per_rule.get(rule, []):
            value, recorded = maths_seconds(root, rule, job, s)
            maths[rule] += value
            unrecorded += not recorded
    over = total - sum(maths.values())
    print("\noverhead (see the module docstring):")
    print(f"  job seconds J: {total:.0f} s in {sum(map(len, per_rule.values()))} jobs")
    print(f"  training maths T: {maths['train']:.0f} s (train.json wall_time_s)")
    print(f"  evaluation maths E: {maths['evaluate']:.0f} s (evaluate logs)")
    print(f"  overhead J - T - E: {over:.0f} s = {over / total:.1%} of the job seconds")
    for rule, jobs in sorted(per_rule.items(), key=lambda kv: -sum(s for _, s in kv[1])):
        rule_over = sum(s for _, s in jobs) - maths.get(rule, 0.0)
        print(f"    {rule:14s} {rule_over:8.1f} s overhead ({rule_over / len(jobs):.1f} s a job)")
    if unrecorded:
        print(f"  ({unrecorded} jobs recorded no maths time: counted whole, a lower bound)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dvc", action="store_true")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose last run to read")
    args = ap.parse_args()
    t = timed([str(BIN / "snakemake"), "-n", "--config", "scale=full"])
    print(f"full-scale dry run (205 jobs): median {t:.2f} s (target <= 3 s)")
    per_rule = job_times(args.root)
    if per_rule:
        print("\nper-rule wall time of the last run (s):")
        print(f"  {'rule':14s} {'jobs':>5s} {'median':>8s} {'max':>8s} {'sum':>8s}")
        for rule, jobs in sorted(per_rule.items(), key=lambda kv: -sum(s for _, s in kv[1])):
            ts = [s for _, s in jobs]
            print(
                f"  {rule:14s} {len(ts):5d} {statistics.median(ts):8.1f} {max(ts):8.1f} "
                f"{sum(ts):8.1f}"
            )
        total = sum(s for jobs in per_rule.values() for _, s in jobs)
        print(f"  job time in all: {total:.0f} s (on 2 cores the DAG runs two jobs at a time)")
        overhead(args.root, per_rule)
    if args.dvc:
        print(f"\nno-op `dvc status`: median {timed([str(BIN / 'dvc'), 'status']):.2f} s")
        print(f"no-op `dvc repro`: median {timed([str(BIN / 'dvc'), 'repro']):.2f} s")


if __name__ == "__main__":
    main()

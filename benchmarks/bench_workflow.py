"""Workflow figures: full-scale dry-run time, per-rule times of the last quick run (from
logs/{scale}/benchmarks/), the overhead share of that run, and no-op DVC status / repro times.

Overhead share: the job-seconds spent outside training and evaluation maths, over all
job-seconds of the run:

    job seconds       J = sum over jobs of the benchmark's wall time ("s", last row of each
                          logs/{scale}/benchmarks/**/*.tsv)
    training maths    T = sum of train.json "wall_time_s" of the run folders of the train jobs
                          (the training loop itself, without the interpreter start and imports)
    evaluation maths  E = sum of the "(evaluation X s)" that each evaluate job prints to its log
                          (logs/{scale}/evaluate/...): sampling, features, metrics and sample
                          arrays, everything inside evaluate_run
    reference maths   C = sum of the "work_s" that each classifier and stats job records in
                          results/{scale}/resources.jsonl: training the domain classifier, and
                          the features and statistics of the real data
    overhead share    (J - T - E - C) / J

Everything else counts as overhead: starting Python, imports (torch's above all), loading
checkpoints and datasets, writing files, and the jobs around the runs (data, visuals, figures,
tables, report). A job without its maths time (a log or record written before it was kept)
counts whole as maths, so the share is then a lower bound. (Until 2026-12-03 C counted as
overhead: the share printed then is the one printed now plus C / J.)

    python benchmarks/bench_workflow.py            # after `bash scripts/quick.sh`
    python benchmarks/bench_workflow.py --root DIR # the last quick run of another checkout
    python benchmarks/bench_workflow.py --dvc      # also DVC (after `dvc commit --force`)
    python benchmarks/bench_workflow.py --scale small  # run the small DAG from scratch and time it
    python benchmarks/bench_workflow.py --scale quick --record  # ... and write the figures to
                                                   # benchmarks/results/workflow-quick.md

``--record`` writes everything printed to ``benchmarks/results/workflow-{scale}.md``, headed by
the commit, its date, the CPU model, the cores and the load average when the bench started:
the file the figures in docs/scales.md point to (commit it with them).

With ``--scale``, the committed HEAD is cloned into a scratch folder (``--workdir``), the whole
DAG of that scale runs there from empty results (``snakemake --cores 2``), and the bench prints
its wall time, the per-rule figures and overhead above, each run's step-0 -> final FID, and the
claims' verdicts. Not part of the test suite: the small scale takes up to an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MATHS = ("train", "evaluate", "classifier", "stats")  # the rules whose jobs record their maths
EVAL_TIME = re.compile(r"\(evaluation ([0-9.]+) s\)")


def timed(cmd: list[str], repeat: int = 3) -> float:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def benchmark_rows(root: Path, tree: str) -> dict[str, list[tuple[str, dict]]]:
    """rule -> [(job, last row of its Snakemake benchmark file)] of the last run of ``tree``,
    the job named by its benchmark path below the rule's folder (for train and evaluate: the
    run folder below results/{tree}/runs/)."""
    per_rule: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    bench = root / "logs" / tree / "benchmarks"
    for tsv in sorted(bench.rglob("*.tsv")):
        parts = tsv.relative_to(bench).with_suffix("").parts
        with open(tsv) as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if rows:
            per_rule[parts[0]].append(("/".join(parts[1:]), rows[-1]))
    return per_rule


def job_cpu_seconds(root: Path, tree: str) -> tuple[float, int] | None:
    """The CPU seconds (user + system) every job of the last run of ``tree`` recorded in
    results/{tree}/resources.jsonl, and how many jobs recorded them."""
    path = root / "results" / tree / "resources.jsonl"
    if not path.is_file():
        return None
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return sum(e.get("cpu_s", 0.0) for e in lines), len(lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header(scale: str | None, cores: int) -> str:
    """Which commit, machine and load the figures below come from."""
    sha, date = subprocess.run(
        ["git", "log", "-1", "--format=%h %cs"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args, flags = sys.argv[1:], []
    while args:  # the command as run, without the scratch folder (a path of this machine)
        arg = args.pop(0)
        if arg == "--workdir":
            args.pop(0) if args else None
        elif not arg.startswith("--workdir="):
            flags.append(arg)
    flags = " ".join(flags)
    return (
        f"# Workflow figures ({scale or 'quick'} scale)\n\n"
        f"`python benchmarks/bench_workflow.py {flags}` at commit {sha} ({date}), run "
        f"{time.strftime('%Y-%m-%d')}; {cpu_model()}, {os.cpu_count()} CPUs ({cores} cores "
        f"used), load average {load} when it started.\n\n```\n"
    )


def job_times(root: Path, tree: str = "quick") -> dict[str, list[tuple[str, float]]]:
    """rule -> [(job, wall seconds)] of the last run of ``tree``."""
    return {
        rule: [(job, float(row["s"])) for job, row in jobs]
        for rule, jobs in benchmark_rows(root, tree).items()
    }


def maths_seconds(
    root: Path, rule: str, job: str, job_s: float, tree: str = "quick"
) -> tuple[float, bool]:
    """Seconds of training or evaluation maths inside one job, and whether they were recorded
    (if not: the whole job)."""
    value = None
    if rule == "train":
        path = root / "results" / tree / "runs" / job / "train.json"
        value = json.loads(path.read_text()).get("wall_time_s") if path.is_file() else None
    elif rule in ("classifier", "stats"):
        value = work_seconds(root, tree).get(f"{rule}-{job}")
    else:
        path = root / "logs" / tree / "evaluate" / f"{job}.log"
        found = EVAL_TIME.findall(path.read_text()) if path.is_file() else []
        value = found[-1] if found else None
    return (job_s, False) if value is None else (min(float(value), job_s), True)


def work_seconds(root: Path, tree: str) -> dict[str, float]:
    """job name -> the "work_s" it recorded in results/{tree}/resources.jsonl (its last entry)."""
    path = root / "results" / tree / "resources.jsonl"
    lines = path.read_text().splitlines() if path.is_file() else []
    entries = (json.loads(line) for line in lines if line.strip())
    return {e["job"]: e["work_s"] for e in entries if "work_s" in e and "job" in e}


def overhead(root: Path, per_rule: dict[str, list[tuple[str, float]]], tree: str = "quick") -> None:
    total = sum(s for jobs in per_rule.values() for _, s in jobs)
    maths: dict[str, float] = defaultdict(float)
    unrecorded = 0
    for rule in MATHS:
        for job, s in per_rule.get(rule, []):
            value, recorded = maths_seconds(root, rule, job, s, tree)
            maths[rule] += value
            unrecorded += not recorded
    over = total - sum(maths.values())
    print("\noverhead (see the module docstring):")
    print(f"  job seconds J: {total:.0f} s in {sum(map(len, per_rule.values()))} jobs")
    print(f"  training maths T: {maths['train']:.0f} s (train.json wall_time_s)")
    print(f"  evaluation maths E: {maths['evaluate']:.0f} s (evaluate logs)")
    reference = maths["classifier"] + maths["stats"]
    print(f"  reference maths C: {reference:.0f} s (classifier and stats work_s)")
    print(f"  overhead J - T - E - C: {over:.0f} s = {over / total:.1%} of the job seconds")
    for rule, jobs in sorted(per_rule.items(), key=lambda kv: -sum(s for _, s in kv[1])):
        rule_over = sum(s for _, s in jobs) - maths.get(rule, 0.0)
        print(f"    {rule:14s} {rule_over:8.1f} s overhead ({rule_over / len(jobs):.1f} s a job)")
    if unrecorded:
        print(f"  ({unrecorded} jobs recorded no maths time: counted whole, a lower bound)")


def run_scale(scale: str, workdir: Path, cores: int, config: tuple[str, ...] = ()) -> float:
    """Clone HEAD into ``workdir`` and run the whole DAG at ``scale`` there (``config``: more
    ``--config`` values); print and return its wall time."""
    if workdir.exists():
        shutil.rmtree(workdir)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(workdir)], check=True)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(workdir / "src"),  # the clone's code, not the editable install's
    }
    cmd = [str(BIN / "snakemake"), "--cores", str(cores), "--config", f"scale={scale}", *config]
    print(f"{' '.join(cmd[1:])} in a clone of HEAD", flush=True)
    print(f"  (the clone: {workdir})", file=sys.stderr, flush=True)  # not in --record's file
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(workdir / "bench_dag.log", "w") as log:
        done = subprocess.run(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    status = "completed" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
    print(f"{scale} DAG from empty results: {wall / 60:.1f} min wall on {cores} cores, {status}")
    print(f"  CPU seconds of Snakemake and every job: {cpu:.0f} s ({cpu / wall:.2f} cores busy)")
    if done.returncode:
        print(f"  see {workdir / 'bench_dag.log'}")
    return wall


def learning_and_claims(root: Path, scale: str) -> None:
    """Each run's step-0 -> final classifier-FID (mean over seeds) and the claims' verdicts."""
    sys.path.insert(0, str(root / "src"))
    from ganrepro import layout
    from ganrepro.config import load_params
    from ganrepro.layout import Files
    from ganrepro.report.claims import judge_all, qvalues
    from ganrepro.report.results import Results

    params = load_params(root / "params.yaml", scale=scale)
    r = Results.load(params, Files(layout.of(params), root=root))
    print(f"\nlearning (classifier-FID, mean over {params.seeds} seeds; ratio final / step 0):")
    for run_id in params.runs:
        start, final = r.at_start(run_id, "fid"), r.final(run_id, "fid", "classifier")
        statuses = r.statuses(run_id)
        if start and final:
            s0, f = statistics.fmean(start), statistics.fmean(final)
            print(
                f"  {run_id:30s} {s0:8.0f} -> {f:7.0f}  ratio {f / s0:.2f}  "
                f"{sum(x == 'diverged' for x in statuses)} diverged"
            )
        else:
            print(f"  {run_id:30s} missing ({len(statuses)} seeds with metrics)")
    print("\nclaims:")
    counts: dict[str, int] = defaultdict(int)
    verdicts = judge_all(r)
    q = qvalues(verdicts)
    for claim, v in verdicts.items():
        counts[v.verdict] += 1
        pq = "" if q[claim] is None else f" p = {v.p:.3g}, q = {q[claim]:.3g}"
        print(f"  [{v.verdict}]{pq} {claim.source}: {claim.text}\n      {v.measurement}")
        if v.reason:
            print(f"      why: {v.reason}")
    print("  " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dvc", action="store_true")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose last run to read")
    ap.add_argument("--scale", help="run this scale's whole DAG in a clone of HEAD first")
    ap.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ganrepro-bench-dag",
        help="where --scale clones HEAD (replaced; default: %(default)s)",
    )
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument(
        "--record",
        action="store_true",
        help="also write what is printed to benchmarks/results/workflow-{scale}.md",
    )
    args = ap.parse_args()
    if not args.record:
        return bench(args)
    head = header(args.scale, args.cores)
    out = io.StringIO()

    class Tee(io.TextIOBase):
        def write(self, text):
            sys.__stdout__.write(text)
            out.write(text)
            return len(text)

        def flush(self):
            sys.__stdout__.flush()

    with contextlib.redirect_stdout(Tee()):
        bench(args)
    path = ROOT / "benchmarks" / "results" / f"workflow-{args.scale or 'quick'}.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(head + out.getvalue() + "```\n")
    print(f"wrote {path.relative_to(ROOT)}")


def bench(args) -> None:
    if args.scale:
        run_scale(args.scale, args.workdir, args.cores)
        args.root = args.workdir
    tree = args.scale or "quick"
    t = timed([str(BIN / "snakemake"), "-n", "--config", "scale=full"])
    print(f"full-scale dry run (snakemake -n): median {t:.2f} s (target <= 3 s)")
    per_rule = job_times(args.root, tree)
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
        cpu = job_cpu_seconds(args.root, tree)
        if cpu:
            print(f"  job CPU seconds (resources.jsonl): {cpu[0]:.0f} s in {cpu[1]} jobs")
        overhead(args.root, per_rule, tree)
    if args.scale:
        learning_and_claims(args.root, args.scale)
    if args.dvc:
        print(f"\nno-op `dvc status`: median {timed([str(BIN / 'dvc'), 'status']):.2f} s")
        print(f"no-op `dvc repro`: median {timed([str(BIN / 'dvc'), 'repro']):.2f} s")


if __name__ == "__main__":
    main()

"""Run the jobs that make some targets straight from the job table (``ganrepro.jobs``), in
dependency order, without Snakemake: for a machine that has ganrepro's own dependencies but
not the workflow tools (the GPU machine of benchmarks/gpu_check.sh). The commands are the
Snakemake rules' and DVC stages' own, with the runtime knobs (``--device``, ``--threads``)
appended as the rules append them.

    python benchmarks/run_jobs.py --rehearse --device cuda \\
        results/rehearsal/runs/ding/gan/metrics.json \\
        results/rehearsal/figures/frank/fig7_fid_curves.png

A job whose outputs all exist is skipped (``--force`` reruns it); each job's wall time is
printed, and what it cost lands in its tree's resources.jsonl as in a workflow run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def plan(table, targets: list[str]) -> list:
    """The jobs that make ``targets``, each after the jobs making its inputs."""
    order, seen = [], set()

    def visit(path: str) -> None:
        try:
            job = table.producing(path)
        except KeyError:  # a file no job writes: params.yaml, the report's own files
            return
        if job.name in seen:
            return
        seen.add(job.name)
        for needed in job.input_files():
            visit(needed)
        order.append(job)

    for target in targets:
        table.producing(target)  # an unknown target is an error, named
        visit(target)
    return order


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("targets", nargs="+", help="files under results/ (as Snakemake targets)")
    ap.add_argument("--scale", default="full")
    ap.add_argument("--rehearse", action="store_true")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--force", action="store_true", help="rerun jobs whose outputs exist")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import yaml

    from ganrepro.config import load_params
    from ganrepro.jobs import Table

    os.chdir(ROOT)
    params = load_params("params.yaml", scale=args.scale, rehearse=args.rehearse)
    table = Table(params, yaml.safe_load(Path("params.yaml").read_text()))
    jobs = plan(table, args.targets)
    knobs = {"device": ("--device", args.device), "threads": ("--threads", str(args.threads))}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path[1:]])}
    t_all = time.perf_counter()
    for i, job in enumerate(jobs, 1):
        if not args.force and all(Path(p).exists() for p in job.outputs.values()):
            print(f"[{i}/{len(jobs)}] {job.name}: up to date", flush=True)
            continue
        cmd = [sys.executable, "-m", "ganrepro.cli", *job.args]
        for knob in job.knobs:
            cmd += knobs[knob]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        print(f"[{i}/{len(jobs)}] {job.name}: {wall:.1f} s", flush=True)
        if done.returncode:
            print(done.stdout[-2000:] + done.stderr[-4000:], file=sys.stderr)
            sys.exit(f"{job.name} failed (exit {done.returncode}): {' '.join(cmd[3:])}")
    print(f"{len(jobs)} jobs in {time.perf_counter() - t_all:.1f} s")


if __name__ == "__main__":
    main()

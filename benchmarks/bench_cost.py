"""What the reproduction costs on this device: each run's measured time per generator iteration
(per stage for CFG-GAN) x its schedule x its seeds, per run and in total, in device-hours.

    python benchmarks/bench_cost.py                           # full scale, on the CPU
    python benchmarks/bench_cost.py --device cuda --scales quick,small,full
    python benchmarks/bench_cost.py --runs zhu/ --runtime autocast=bf16
    python benchmarks/bench_cost.py --runs agarwal/dcgan_adam --json report/cost.json --merge
                                      # add or refresh those runs, keep the others' figures

Training only: evaluation (bench_eval.py) and data preparation come on top. Each run is timed
on synthetic images of its dataset's shape (the step's cost does not depend on the pixels) for
``--steps`` iterations after one warm-up (CFG-GAN: after its first stage, whose initial fit is
counted once). The schedule's length uses the training split's size: the real dataset's at
full scale, the stand-in's (as prepared under results/{scale}/data) at the others.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

# training-split sizes of the real datasets (the splits a run trains on add up)
REAL_SIZES = {
    "mnist": {"train": 60000, "test": 10000},
    "cifar10": {"train": 50000, "test": 10000},
    "stl10": {"train": 5000, "test": 8000, "unlabeled": 100000},
}


def n_train(run, scale: str) -> int:
    if scale == "full":
        return sum(REAL_SIZES[run.data][s] for s in run.splits)
    from ganrepro import layout
    from ganrepro.data.store import load

    rel = layout.Tree(scale).data(run.data)
    path = ROOT / rel
    if not path.is_file():
        raise SystemExit(f"{rel} is missing: prepare it first (snakemake --cores 1 {rel})")
    return len(load(path, run.splits).x)


def seconds_per_iteration(run, device, runtime, steps: int) -> tuple[float, float, dict]:
    """(seconds per generator iteration or CFG stage, seconds of the first call, the knobs in
    force: a trainer may drop some). Each step's logs are fetched at once (the training loop's
    ``log_every`` buffering saves a little more)."""
    from bench_train import data, sync

    from ganrepro.registry import TRAINERS
    from ganrepro.train.runtime import floats

    x, y, k = data(run, 1024)
    torch.manual_seed(0)
    trainer = TRAINERS[run.trainer](run, x.to(device), y.to(device), k, 0, runtime)
    sync(device)
    t0 = time.perf_counter()
    floats(trainer.step())
    sync(device)
    first = time.perf_counter() - t0
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        floats(trainer.step())
        sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), first, trainer.runtime.to_dict()


MACHINE = ("device", "device_name", "threads", "torch", "runtime")  # what a record measured on


def merge_record(old: dict, new: dict) -> dict:
    """``old`` with ``new``'s runs added or refreshed, the other runs kept as measured: only
    on the same machine and knobs (MACHINE); a record of another machine is refused, never
    mixed. Each merge is kept in the record's ``merges`` (command, date, runs)."""
    differ = [k for k in MACHINE if old.get(k) != new.get(k)]
    if differ:
        what = ", ".join(f"{k} {old.get(k)!r} there, {new.get(k)!r} here" for k in differ)
        raise ValueError(f"the record was measured on another machine or knobs ({what})")
    out = {**old, "scales": {s: dict(runs) for s, runs in old.get("scales", {}).items()}}
    changed = []
    for scale, runs in new["scales"].items():
        out["scales"].setdefault(scale, {}).update(runs)
        changed += list(runs)
    merge = {"command": new["command"], "date": new["date"], "runs": changed}
    out["merges"] = [*old.get("merges", []), merge]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="full")
    ap.add_argument("--runs", default="", help="only run ids starting with this")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--runtime", default="", help="the training step's knobs")
    ap.add_argument("--steps", type=int, default=2, help="timed iterations per run")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument(
        "--json",
        default="",
        help="also write the measurements here (the report shows report/cost.json's full scale)",
    )
    ap.add_argument(
        "--merge",
        action="store_true",
        help="add or refresh the measured runs in the --json record, keeping the others (the "
        "same machine and knobs only)",
    )
    args = ap.parse_args()
    if args.merge and not (args.json and Path(args.json).is_file()):
        ap.error("--merge needs --json naming an existing record")
    if args.runs and args.json and Path(args.json).is_file() and not args.merge:
        ap.error(
            f"--runs {args.runs} would overwrite {args.json} with those runs only: add --merge "
            "to add or refresh them, or remove the file to start a new record"
        )
    from ganrepro.config import load_params
    from ganrepro.train.adversarial import total_iterations
    from ganrepro.train.attempts import device_name
    from ganrepro.train.run import pick_device
    from ganrepro.train.runtime import Runtime

    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    runtime = Runtime.parse(args.runtime)
    name = device_name(device)
    print(f"torch {torch.__version__}, device {name}, {torch.get_num_threads()} threads")
    record = {
        "command": "python benchmarks/bench_cost.py " + " ".join(sys.argv[1:]),
        "date": datetime.date.today().isoformat(),
        "device": device.type,
        "device_name": name,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "runtime": runtime.to_dict(),
        "scales": {},
    }
    for scale in args.scales.split(","):
        runs = record["scales"].setdefault(scale, {})
        params = load_params(ROOT / "params.yaml", scale=scale)
        print(
            f"\n[{scale}] {'run':28s} {'s/iter':>8s} {'iterations':>11s} {'seeds':>5s} "
            f"{'hours':>9s}"
        )
        total = 0.0
        for run_id, run in params.runs.items():
            if not run_id.startswith(args.runs):
                continue
            per, first, in_force = seconds_per_iteration(run, device, runtime, args.steps)
            if run.trainer == "cfg":
                iterations = run.schedule.stages
            else:
                iterations = total_iterations(run, n_train(run, scale))
            seconds = (first + per * (iterations - 1)) * params.seeds
            total += seconds
            runs[run_id] = {
                "s_per_iteration": round(per, 4),
                "first_s": round(first, 3),
                "iterations": iterations,
                "seeds": params.seeds,
                "device_hours": round(seconds / 3600, 2),
            }
            dropped = {  # knobs this run's trainer does not apply (CFG-GAN: autocast, compile)
                k: v for k, v in in_force.items() if k != "log_every" and v != record["runtime"][k]
            }
            if dropped:
                runs[run_id]["runtime"] = dropped
            print(
                f"[{scale}] {run_id:28s} {per:8.3f} {iterations:11d} {params.seeds:5d} "
                f"{seconds / 3600:9.2f}",
                flush=True,
            )
        print(f"[{scale}] total: {total / 3600:.1f} device-hours of training on {name}")
    if args.json:
        from ganrepro.io import write_text

        if args.merge:
            try:
                record = merge_record(json.loads(Path(args.json).read_text()), record)
            except ValueError as err:
                sys.exit(f"bench_cost.py: {args.json}: not merged: {err}")
        write_text(args.json, json.dumps(record, indent=1) + "\n")
        print(f"measurements: {args.json}" + (" (merged)" if args.merge else ""))


if __name__ == "__main__":
    main()

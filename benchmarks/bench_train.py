"""Training throughput per run, at quick and full widths, on this machine.

    python benchmarks/bench_train.py                 # every run, both scales
    python benchmarks/bench_train.py --scales quick --runs ding/

Prints, per run: images/s (median over the timed steps), peak memory above the process's
baseline, and the share of a training step spent drawing one critic batch (target < 5%). Then,
for the MLP runs, in-memory index batching against a torch DataLoader loop over the same data
in the same process (target >= 1.5x).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _data(run, n=2048):
    from ganrepro.data import DATASETS

    spec = DATASETS[run.data]
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n, spec.channels, 32, 32), generator=g, dtype=torch.uint8)
    return x, torch.arange(n) % spec.n_classes, spec.n_classes


def _trainer(run):
    from ganrepro.registry import TRAINERS

    x, y, k = _data(run)
    torch.manual_seed(0)
    return TRAINERS[run.trainer](run, x, y, k, 0)


def _time_steps(trainer, steps: int) -> list[float]:
    trainer.step()  # warm-up
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        trainer.step()
        times.append(time.perf_counter() - t0)
    return times


def _measure(run, steps: int, queue) -> None:
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tr = _trainer(run)
    times = _time_steps(tr, steps)
    step_s = statistics.median(times)
    t0 = time.perf_counter()
    for _ in range(20):
        tr.batches.next(run.schedule.batch_size)
    sample_s = (time.perf_counter() - t0) / 20
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    queue.put((tr.images_per_step / step_s, step_s, sample_s / step_s, peak))


class ItemDataset(torch.utils.data.Dataset):
    """The usual map-style dataset: one image at a time, converted to float on access."""

    def __init__(self, x, y, value_range):
        self.x, self.y, (self.lo, self.hi) = x, y, value_range

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        img = self.x[i].float() * ((self.hi - self.lo) / 255.0) + self.lo
        return img, self.y[i]


class LoaderBatches:
    """The same interface as IndexBatches, fed by a torch DataLoader loop (num_workers=0:
    the same process)."""

    def __init__(self, x, y, batch_size, value_range):
        from torch.utils.data import DataLoader

        self.loader = DataLoader(
            ItemDataset(x, y, value_range),
            batch_size=batch_size,
            shuffle=True,
            num_workers=0,
            drop_last=True,
        )
        self.it = iter(self.loader)
        self.epoch = 0.0

    def next(self, size):
        try:
            return next(self.it)
        except StopIteration:
            self.it = iter(self.loader)
            return next(self.it)


def _loader_vs_index(run, rounds: int) -> dict[str, float]:
    """Medians over alternating rounds: training img/s with each batcher, and the img/s of the
    batchers alone (a critic batch drawn and converted)."""
    x, y, _ = _data(run)
    index_tr, loader_tr = _trainer(run), _trainer(run)
    loader_tr.batches = LoaderBatches(x, y, run.schedule.batch_size, loader_tr.range)
    bs = run.schedule.batch_size
    t = {"index": [], "loader": [], "index_data": [], "loader_data": []}
    for tr in (index_tr, loader_tr):
        tr.step()
    for _ in range(rounds):
        for name, tr in (("index", index_tr), ("loader", loader_tr)):
            t0 = time.perf_counter()
            tr.step()
            t[name].append(tr.images_per_step / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            for _ in range(10):
                tr.batches.next(bs)
            t[name + "_data"].append(10 * bs / (time.perf_counter() - t0))
    return {k: statistics.median(v) for k, v in t.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="quick,full")
    ap.add_argument("--runs", default="", help="only run ids starting with this")
    ap.add_argument("--steps", type=int, default=5, help="timed steps per run (quick)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from ganrepro.config import load_params

    ctx = mp.get_context("fork")
    print(f"torch {torch.__version__}, {args.threads} threads, device cpu")
    for scale in args.scales.split(","):
        params = load_params(ROOT / "params.yaml", scale=scale)
        steps = args.steps if scale == "quick" else 2
        print(
            f"\n[{scale}] {'run':32s} {'img/s':>9s} {'step ms':>9s} {'batch/step':>10s} "
            f"{'peak MB':>8s}"
        )
        shares = []
        for run_id, run in params.runs.items():
            if not run_id.startswith(args.runs):
                continue
            q = ctx.Queue()
            p = ctx.Process(target=_measure, args=(run, steps, q))
            p.start()
            rate, step_s, share, peak = q.get()
            p.join()
            shares.append(share)
            print(
                f"[{scale}] {run_id:32s} {rate:9.1f} {step_s * 1e3:9.1f} {share:9.2%} {peak:8.0f}",
                flush=True,
            )
        if shares:
            print(
                f"[{scale}] batch draw / training step: median {statistics.median(shares):.2%}, "
                f"max {max(shares):.2%} (target < 5%)"
            )

    params = load_params(ROOT / "params.yaml", scale="quick")
    print("\nMLP runs: index batching vs a DataLoader loop (quick widths, same process, img/s)")
    print(
        f"  {'run':26s} {'train:index':>12s} {'train:loader':>12s} {'ratio':>6s} "
        f"{'data:index':>12s} {'data:loader':>12s} {'ratio':>6s}"
    )
    train_r, data_r = [], []
    for run_id, run in params.runs.items():
        if run.model.arch != "mlp" or not run_id.startswith(args.runs):
            continue
        m = _loader_vs_index(run, max(args.steps, 30))
        train_r.append(m["index"] / m["loader"])
        data_r.append(m["index_data"] / m["loader_data"])
        print(
            f"  {run_id:26s} {m['index']:12.0f} {m['loader']:12.0f} {train_r[-1]:6.2f} "
            f"{m['index_data']:12.0f} {m['loader_data']:12.0f} {data_r[-1]:6.1f}",
            flush=True,
        )
    if train_r:
        print(
            f"  training speed-up: median x{statistics.median(train_r):.2f}, min "
            f"x{min(train_r):.2f} (target >= 1.5x); data-pipeline speed-up: median "
            f"x{statistics.median(data_r):.1f}"
        )


if __name__ == "__main__":
    main()

"""bf16 autocast against fp32 on one run: time per generator iteration, and the loss curves.

    python benchmarks/bench_precision.py                       # frank/wgan_gp, 300 iterations
    python benchmarks/bench_precision.py --run ding/wgan_gp --steps 1000 --plot /tmp/curves.png
    python benchmarks/bench_precision.py --run zhu/wgan_gp_resnet_cifar10 --device cuda --steps 2000

The run's full-scale settings train on its prepared dataset, or on its stand-in where the real
one is not prepared (``results/full/data``; the stand-ins: ``snakemake --cores 1
results/quick/data/digits.npz``), twice
from the same seed: the same initial weights, batches and latents, once in fp32 and once with
``--runtime autocast=bf16`` (the networks in bfloat16; losses and the gradient penalty in fp32).
Rounding differences compound, so the two trainings do not stay step-for-step equal; what
should agree is the curves. For each logged column this prints the mean over the last quarter of
the steps in each precision, their gap in units of the fp32 column's std over that quarter (its
step-to-step noise), and the largest gap between the two EMA-smoothed curves over the whole run in
the same unit. Also the median time per iteration of each, and their ratio.

Read ``loss_d``, ``wdist`` and ``gp`` first: a Wasserstein critic's scores carry an offset that no
loss pins down (only ``d_real - d_fake`` is trained), so ``d_real``, ``d_fake`` and ``loss_g``
wander by a common amount between any two trainings, fp32 ones included.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

COLUMNS = ("loss_d", "loss_g", "wdist", "gp", "d_real", "d_fake")


def train(run, data_path: Path, device, runtime, steps: int, seed: int) -> tuple[dict, list]:
    """Logged columns over ``steps`` generator iterations, and seconds per iteration."""
    from bench_train import sync

    from ganrepro.train.run import build_trainer
    from ganrepro.train.runtime import floats

    trainer, _ = build_trainer(run, data_path, seed, device, runtime)
    logs: dict[str, list[float]] = {}
    times = []
    for i in range(steps):
        sync(device)
        t0 = time.perf_counter()
        row = floats(trainer.step())
        sync(device)
        times.append(time.perf_counter() - t0)
        for key, value in row.items():
            logs.setdefault(key, []).append(value)
        if (i + 1) % max(1, steps // 10) == 0:
            print(f"  {runtime.autocast:4s} {i + 1}/{steps}", file=sys.stderr, flush=True)
    return logs, times


def ema(values: list[float], alpha: float) -> list[float]:
    out, acc = [], values[0]
    for v in values:
        acc = (1 - alpha) * acc + alpha * v
        out.append(acc)
    return out


def compare(a: list[float], b: list[float], alpha: float) -> dict:
    """``b`` against the reference ``a``: last-quarter means, their gap and the largest gap of
    the smoothed curves, both in units of ``a``'s std over its last quarter."""
    q = max(2, len(a) // 4)
    noise = statistics.stdev(a[-q:]) or 1.0
    ma, mb = statistics.fmean(a[-q:]), statistics.fmean(b[-q:])
    gap = max(abs(x - y) for x, y in zip(ema(a, alpha), ema(b, alpha), strict=True))
    return {"fp32": ma, "bf16": mb, "end_gap": abs(ma - mb) / noise, "curve_gap": gap / noise}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="frank/wgan_gp")
    ap.add_argument("--scale", default="full", help="the settings' scale (the data: stand-in)")
    ap.add_argument("--steps", type=int, default=300, help="generator iterations")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's choice)")
    ap.add_argument("--alpha", type=float, default=0.05, help="EMA smoothing of the curves")
    ap.add_argument("--plot", default="", help="write both curves to this PNG")
    args = ap.parse_args()
    from ganrepro import layout
    from ganrepro.config import load_params
    from ganrepro.data import DATASETS
    from ganrepro.train.attempts import device_name
    from ganrepro.train.run import pick_device
    from ganrepro.train.runtime import Runtime

    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    run = load_params(ROOT / "params.yaml", scale=args.scale).run(args.run)
    if run.trainer == "cfg":
        raise SystemExit(f"{run.id}: CFG-GAN trains in fp32 whatever autocast says")
    if args.steps < 8:
        raise SystemExit(f"--steps {args.steps}: at least 8 (the last quarter needs 2 values)")
    standin = DATASETS[run.data].standin
    tree = layout.Tree(args.scale)
    if standin and not (ROOT / tree.data(run.data)).is_file():  # the real set cannot be had
        run = dataclasses.replace(run, data=standin)
        tree = layout.Tree("quick")  # where the stand-ins are prepared
    rel = tree.data(run.data)
    data = ROOT / rel
    if not data.is_file():
        raise SystemExit(f"{rel} is missing: snakemake --cores 1 {rel}")
    name = device_name(device)
    print(
        f"{run.id}, {args.scale} settings on {rel}, {args.steps} iterations, "
        f"seed {args.seed}, torch {torch.__version__}, device {name}, "
        f"{torch.get_num_threads()} threads"
    )
    logs, times = {}, {}
    for precision in ("none", "bf16"):
        runtime = Runtime(autocast=precision)
        logs[precision], times[precision] = train(run, data, device, runtime, args.steps, args.seed)
    t32, t16 = statistics.median(times["none"][1:]), statistics.median(times["bf16"][1:])
    print(f"ms/iteration: fp32 {t32 * 1e3:.1f}, bf16 {t16 * 1e3:.1f}, speed-up x{t32 / t16:.2f}")
    print(
        f"{'column':8s} {'fp32 end':>11s} {'bf16 end':>11s} {'end gap/noise':>14s} "
        f"{'curve gap/noise':>16s}"
    )
    columns = [c for c in COLUMNS if c in logs["none"]]
    for column in columns:
        c = compare(logs["none"][column], logs["bf16"][column], args.alpha)
        print(
            f"{column:8s} {c['fp32']:11.4f} {c['bf16']:11.4f} {c['end_gap']:14.2f} "
            f"{c['curve_gap']:16.2f}"
        )
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(columns), figsize=(3.2 * len(columns), 2.8), squeeze=False)
        axes = axes[0]
        for ax, column in zip(axes, columns, strict=True):
            for precision, label in (("none", "fp32"), ("bf16", "bf16")):
                ax.plot(ema(logs[precision][column], args.alpha), label=label, lw=1)
            ax.set_title(column, fontsize=9)
            ax.set_xlabel("iteration", fontsize=8)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{run.id}: fp32 vs bf16 autocast ({name}, EMA {args.alpha})", fontsize=9)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"curves: {args.plot}")


if __name__ == "__main__":
    main()

"""ganrepro's training step against a peer-style loop (benchmarks/peer.py) on the same models.

    python benchmarks/bench_train.py                      # one run per family, full settings
    python benchmarks/bench_train.py --device cuda --runtime autocast=bf16,compile=true
    python benchmarks/bench_train.py --runs frank/wgan_gp,ding/gan --rounds 5

For each run, in one process and interleaved (round r times K generator iterations of one loop,
then K of the other, alternating which goes first), at the run's full-scale settings: ms per
generator iteration (median over rounds), images/s, the ratio peer / ganrepro (> 1: ganrepro is
faster), and peak memory (CUDA: each loop's peak allocation; CPU: the process's peak RSS).
Targets (issue 16): CPU >= 1.3x for the conv nets, >= 1.5x for the MLPs; an H100 >= 28
iterations/s on zhu/wgan_gp_resnet_cifar10. CFG-GAN has no peer loop of this shape.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

FAMILIES = {
    "ding/gan": "MLP, BCE",
    "ding/wgan": "MLP, WGAN clip",
    "ding/wgan_gp": "MLP, WGAN-GP",
    "frank/dcgan": "DCGAN, BCE (BN critic)",
    "frank/wgan_gp": "DCGAN, WGAN-GP",
    "zhu/wgan_gp_resnet_cifar10": "ResNet, WGAN-GP",
    "acwgan/cifar10": "ResNet, AC-WGAN-GP",
}


def data(run, n: int):
    from ganrepro.data import DATASETS

    spec = DATASETS[run.data]
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n, spec.channels, 32, 32), generator=g, dtype=torch.uint8)
    return x, torch.arange(n) % spec.n_classes, spec.n_classes


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(step, k: int, device: torch.device) -> float:
    """Seconds per call of ``step`` over ``k`` calls, the device's queue drained at both ends."""
    sync(device)
    t0 = time.perf_counter()
    for _ in range(k):
        step()
    sync(device)
    return (time.perf_counter() - t0) / k


def compare(run, device, runtime, rounds: int, k: int, workers: int, n: int) -> dict:
    from peer import PeerLoop

    from ganrepro.registry import TRAINERS
    from ganrepro.train.runtime import floats

    x, y, n_classes = data(run, n)
    torch.manual_seed(0)
    ours = TRAINERS[run.trainer](run, x.to(device), y.to(device), n_classes, 0, runtime)
    peer = PeerLoop(run, x, y, n_classes, device, workers)
    pending = []

    def our_step():  # as the training loop runs it: logs fetched every log_every steps
        pending.append(ours.step())
        if len(pending) >= runtime.log_every:
            floats({(i, key): v for i, logs in enumerate(pending) for key, v in logs.items()})
            pending.clear()

    warm = 3 if runtime.compile else 1
    for _ in range(warm):
        our_step()
        peer.step()
    times = {"ours": [], "peer": []}
    peaks = {"ours": 0, "peer": 0}
    for r in range(rounds):
        order = (("ours", our_step), ("peer", peer.step))
        for name, fn in order if r % 2 == 0 else order[::-1]:
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            times[name].append(timed(fn, k, device))
            if device.type == "cuda":
                peaks[name] = max(peaks[name], torch.cuda.max_memory_allocated(device) / 2**20)
    ours_s, peer_s = statistics.median(times["ours"]), statistics.median(times["peer"])
    return {
        "ours_ms": ours_s * 1e3,
        "peer_ms": peer_s * 1e3,
        "ratio": peer_s / ours_s,
        "ours_img_s": ours.images_per_step / ours_s,
        "peer_img_s": peer.images_per_step / peer_s,
        "peaks": peaks,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", default=",".join(FAMILIES), help="comma-separated run ids")
    ap.add_argument("--scale", default="full")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--runtime", default="", help="ganrepro's knobs, e.g. autocast=bf16")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--k", type=int, default=0, help="iterations per round (0: by device)")
    ap.add_argument("--workers", type=int, default=2, help="the peer loop's DataLoader workers")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's choice)")
    ap.add_argument("--images", type=int, default=4096, help="training images (synthetic)")
    args = ap.parse_args()
    from ganrepro.config import load_params
    from ganrepro.train.run import pick_device
    from ganrepro.train.runtime import Runtime

    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    runtime = Runtime.parse(args.runtime)
    params = load_params(ROOT / "params.yaml", scale=args.scale)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(
        f"torch {torch.__version__}, device {name}, {torch.get_num_threads()} threads, "
        f"{args.scale} settings, ganrepro runtime {runtime.to_dict()}, peer DataLoader "
        f"workers {args.workers}"
    )
    print(
        f"{'run':28s} {'family':24s} {'ours ms':>9s} {'peer ms':>9s} {'ratio':>6s} "
        f"{'ours img/s':>11s} {'peer img/s':>11s} {'it/s':>7s} {'peak MB ours/peer':>18s}"
    )
    ratios = {}
    for run_id in args.runs.split(","):
        run = params.run(run_id)
        k = args.k or (20 if device.type == "cuda" else 1 if run.model.arch == "resnet" else 3)
        m = compare(run, device, runtime, args.rounds, k, args.workers, args.images)
        ratios[run_id] = m["ratio"]
        peak = (
            f"{m['peaks']['ours']:.0f}/{m['peaks']['peer']:.0f}"
            if device.type == "cuda"
            else f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} (process)"
        )
        print(
            f"{run_id:28s} {FAMILIES.get(run_id, run.model.arch):24s} {m['ours_ms']:9.1f} "
            f"{m['peer_ms']:9.1f} {m['ratio']:6.2f} {m['ours_img_s']:11.0f} "
            f"{m['peer_img_s']:11.0f} {1e3 / m['ours_ms']:7.2f} {peak:>18s}",
            flush=True,
        )
    mlp = [r for k, r in ratios.items() if params.run(k).model.arch == "mlp"]
    conv = [r for k, r in ratios.items() if params.run(k).model.arch != "mlp"]
    for label, values, target in (("MLP", mlp, 1.5), ("conv", conv, 1.3)):
        if values:
            print(
                f"{label}: median x{statistics.median(values):.2f}, min x{min(values):.2f} "
                f"(CPU target >= {target}x)"
            )


if __name__ == "__main__":
    main()

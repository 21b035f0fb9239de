"""Evaluation throughput per feature extractor, batch size and device, and what cached
reference statistics save.

    python benchmarks/bench_eval.py [--n 2000] [--threads 2]
    python benchmarks/bench_eval.py --device cuda --n 20000 --n-inception 5000 \
        --batch-sizes 100,200,500

Each row: an extractor on one dataset's image shape at one batch size, in images per second (median
of repeats after a warm-up batch), and what 50k samples (the full-scale ``n_samples``) take.

Uses the quick-scale stand-in data (prepared into a temporary folder), a domain classifier
trained on it, and torch-fidelity's Inception with a local weights file (random weights in the
real file's format, ``write_random_weights``: the real file cannot be downloaded here; the cost
is the same).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _timed(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="images per classifier measurement")
    ap.add_argument("--n-inception", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-sizes", default="50,200", help="comma-separated")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from bench_train import sync

    from ganrepro.train.attempts import device_name
    from ganrepro.train.run import pick_device

    device = pick_device(args.device)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    from ganrepro.config import load_params
    from ganrepro.data.store import prepare
    from ganrepro.evaluate.classifier import train_classifier
    from ganrepro.evaluate.extractors import make_extractor
    from ganrepro.evaluate.inception import write_random_weights
    from ganrepro.evaluate.stats import compute_stats, load_stats

    params = load_params(ROOT / "params.yaml", scale="quick")
    tmp = Path(tempfile.mkdtemp())
    print(f"torch {torch.__version__}, {args.threads} threads, device {device_name(device)}")
    for name in ("digits", "photos"):
        data = prepare(name, tmp / f"{name}.npz", params.datasets)
        t_cls, info = _timed(
            lambda: train_classifier(data, tmp / f"{name}.pt", params.classifier, 0, args.threads),
            repeat=1,
        )
        print(
            f"\n[{name}] classifier training: {t_cls:.1f} s, test accuracy "
            f"{info['test_accuracy']:.4f}"
        )
        cls = make_extractor("classifier", classifier_path=tmp / f"{name}.pt", device=device)
        weights = tmp / "inception.pth"
        if not weights.exists():
            write_random_weights(weights)
        inc = make_extractor("inception", inception=str(weights), device=device, real=False)
        channels = 3 if name == "photos" else 1
        most = max(args.n, args.n_inception, *batch_sizes)
        x = torch.randint(0, 256, (most, channels, 32, 32), dtype=torch.uint8)
        rates = {}
        for label, extractor, n in (
            ("classifier", cls, args.n),
            ("inception", inc, args.n_inception),
        ):
            for bs in batch_sizes:
                m = max(n, bs)  # at least one whole batch
                extractor.features(x[:bs], batch_size=bs)  # warm-up (kernels, allocator)
                sync(device)
                t, _ = _timed(lambda: (extractor.features(x[:m], batch_size=bs), sync(device)))
                rates[label, bs] = m / t
                print(
                    f"[{name}] {label:10s} batch {bs:4d}: {m / t:9.1f} images/s, "
                    f"50k samples {50000 / (m / t) / 60:8.1f} min  ({name} {channels}x32x32, {m} "
                    f"images, {device.type})",
                    flush=True,
                )
        inception_rate = max(r for (label, _), r in rates.items() if label == "inception")
        stats = tmp / f"{name}_stats.npz"
        ev = params.evaluation
        t_compute, _ = _timed(
            lambda: compute_stats(
                data,
                stats,
                [cls],
                ev.n_reference,
                10,
                n_samples=ev.n_samples,
                n_samples_test=ev.n_samples_test,
            ),
            repeat=1,
        )
        t_load, _ = _timed(
            lambda: (load_stats(stats, cls, "train"), load_stats(stats, cls, "test"))
        )
        print(
            f"[{name}] reference statistics (classifier, n_reference "
            f"{params.evaluation.n_reference}): compute {t_compute:.2f} s, load "
            f"{t_load * 1e3:.1f} ms (x{t_compute / t_load:.0f} saved per evaluation)"
        )
        full = 50000 + 10000  # train and test splits at full scale
        print(
            f"[{name}] at full scale the Inception statistics of {full} real images would "
            f"take ~{full / inception_rate / 3600:.1f} h on this device, once"
        )


if __name__ == "__main__":
    sys.exit(main())

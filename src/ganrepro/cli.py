"""The ``ganrepro`` command: every pipeline step, with every path as an argument.

Exit codes: 0 ok; 2 bad input (a one-line reason on stderr); 1 any other failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from ganrepro import __version__


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


def cmd_validate(args) -> None:
    from ganrepro.config import load_params

    params = load_params(args.params, scale=args.scale)
    print(
        f"{args.params}: ok (scale {params.scale}, {len(params.runs)} runs in "
        f"{len(params.sources)} sources, data: {', '.join(params.data_names())})"
    )


def cmd_schema(args) -> None:
    from ganrepro.config import params_schema

    text = json.dumps(params_schema(), indent=2) + "\n"
    if args.check:
        current = Path(args.check).read_text() if Path(args.check).exists() else ""
        if current != text:
            raise UsageError(
                f"{args.check} is out of date: run `ganrepro schema --out {args.check}`"
            )
        print(f"{args.check}: up to date")
    elif args.out:
        from ganrepro.io import write_text

        write_text(args.out, text)
    else:
        sys.stdout.write(text)


def cmd_runs(args) -> None:
    from ganrepro.config import load_params

    for run_id in load_params(args.params, scale=args.scale).runs:
        print(run_id)


def cmd_data_prepare(args) -> None:
    from ganrepro.config import load_params
    from ganrepro.data import DATASETS
    from ganrepro.data.store import prepare

    if args.dataset not in DATASETS:
        raise UsageError(f"unknown dataset {args.dataset!r} (known: {', '.join(DATASETS)})")
    params = load_params(args.params, scale=args.scale)
    out = prepare(args.dataset, args.out, params.datasets, raw_dir=args.raw_dir)
    print(f"wrote {out}")


def cmd_train(args) -> None:
    from ganrepro.config import load_params
    from ganrepro.train.run import clear, train

    params = load_params(args.params, scale=args.scale)
    run = params.run(args.run)
    if not 0 <= args.seed_index < params.seeds:
        raise UsageError(
            f"--seed-index {args.seed_index}: {run.id} has seeds 0..{params.seeds - 1}"
        )
    out = Path(args.out or f"results/runs/{run.id}")
    data = args.data or f"results/data/{run.data}.npz"
    if args.restart:
        clear(out)
    summary = train(
        run,
        data,
        out,
        seed=params.seed + args.seed_index,
        device=args.device,
        threads=args.threads,
        save_every_s=args.save_every,
    )
    print(
        f"{run.id}: {summary['status']} after {summary['steps_done']}/{summary['total_steps']} "
        f"steps in {summary['wall_time_s']:.1f} s"
        + (f" ({summary['reason']})" if summary["reason"] else "")
    )


def _params_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", default="params.yaml", help="parameters file (default: %(default)s)")
    p.add_argument("--scale", choices=["quick", "full"], help="override the file's scale")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganrepro", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"ganrepro {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check params.yaml against its schema and rules")
    p.add_argument("params", nargs="?", default="params.yaml")
    p.add_argument("--scale", choices=["quick", "full"], help="override the file's scale")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print or write the JSON schema of params.yaml")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--out", help="write the schema here")
    g.add_argument("--check", metavar="PATH", help="fail if PATH differs from the schema")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("runs", help="list the run ids ({source}/{run}) of params.yaml")
    _params_args(p)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("train", help="train one run ({source}/{run}), resuming if possible")
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    p.add_argument("--data", help="prepared dataset (default: results/data/{dataset}.npz)")
    p.add_argument("--out", help="run folder (default: results/runs/{source}/{run})")
    p.add_argument("--seed-index", type=int, default=0, help="k: train with seed + k")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda[:N]")
    p.add_argument("--threads", type=int, help="torch CPU threads (the rule's threads)")
    p.add_argument(
        "--save-every",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="also save resume.pt this often (default: %(default)s)",
    )
    p.add_argument("--restart", action="store_true", help="discard saved state and start over")
    _params_args(p)
    p.set_defaults(func=cmd_train)

    data = sub.add_parser("data", help="datasets").add_subparsers(dest="data_cmd", required=True)
    p = data.add_parser("prepare", help="download/build a dataset into one .npz of uint8 arrays")
    p.add_argument("dataset", help="mnist, cifar10, stl10, or a stand-in: digits, photos")
    p.add_argument("--out", required=True, help="output .npz (results/data/{dataset}.npz)")
    _params_args(p)
    p.add_argument(
        "--raw-dir",
        default="results/raw",
        help="where archives are downloaded to, or put by hand (default: %(default)s)",
    )
    p.set_defaults(func=cmd_data_prepare)
    return parser


def bad_input_errors() -> tuple[type[BaseException], ...]:
    from ganrepro.config import ParamsError
    from ganrepro.data.download import DownloadError
    from ganrepro.train.checkpoint import CheckpointMismatch

    return (UsageError, ParamsError, DownloadError, CheckpointMismatch, KeyError, FileNotFoundError)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable = args.func
    try:
        func(args)
    except bad_input_errors() as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        name = " ".join(filter(None, (args.command, getattr(args, "data_cmd", None))))
        print(f"ganrepro {name}: error: {msg}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

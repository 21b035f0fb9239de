"""What every command shares: the usage error, loading params, generated files, and the
argument groups."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ganrepro.config.schema import SCALES


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


def _load(args):
    """params.yaml at the command's scale (``--scale``, ``--rehearse``), kept on ``args`` for
    the job's measurement (:func:`main`)."""
    from ganrepro.config import load_params

    args.loaded = load_params(args.params, scale=args.scale, rehearse=args.rehearse)
    return args.loaded


def _emit_generated(text: str, args, command: str) -> None:
    """A generated file: ``--check PATH`` fails if PATH differs, ``--out PATH`` writes it,
    otherwise print it."""
    if args.check:
        current = Path(args.check).read_text() if Path(args.check).exists() else ""
        if current != text:
            raise UsageError(
                f"{args.check} is out of date: run `ganrepro {command} --out {args.check}`"
            )
        print(f"{args.check}: up to date")
    elif args.out:
        from ganrepro.io import write_text

        write_text(args.out, text)
    else:
        sys.stdout.write(text)


def _device(name: str) -> str:
    from ganrepro.train.run import pick_device

    return str(pick_device(name))


def _check_seed_index(k: int, run, params) -> None:
    if not 0 <= k < params.seeds_for(run.id):
        raise UsageError(
            f"--seed-index {k}: {run.id} has seeds "
            f"0..{params.seeds_for(run.id) - 1} ({params.label})"
        )


def snakemake_hint(params, target: str = "") -> str:
    """The Snakemake command that makes ``target`` in the params' tree (its scale's config)."""
    config = "rehearse=true" if params.rehearsal is not None else f"scale={params.scale}"
    return f"snakemake --cores all --config {config}" + (f" {target}" if target else "")


def _made_by_workflow(path: str | Path, what: str, params) -> Path:
    """``path``, which must exist: else one line naming it and the command that makes it."""
    if not Path(path).exists():
        raise UsageError(f"no {what} {path} (make it: `{snakemake_hint(params, str(path))}`)")
    return Path(path)


def _generated_args(p: argparse.ArgumentParser, what: str) -> None:
    """--out PATH or --check PATH of a generated file (:func:`_emit_generated`)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--out", help=f"write {what} here")
    g.add_argument("--check", metavar="PATH", help=f"fail if PATH differs from {what}")


def _params_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", default="params.yaml", help="parameters file (default: %(default)s)")
    _scale_args(p)


def _scale_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", choices=SCALES, help="override the file's scale")
    p.add_argument(
        "--rehearse",
        action="store_true",
        help="the full-scale rehearsal: the full scale's settings with params.yaml's "
        "`rehearsal` budgets, in results/rehearsal/",
    )


def _checkpoint_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed-index", type=int, default=0, help="k: the run's seed k (default: 0)")
    p.add_argument(
        "--checkpoint",
        help="a checkpoint.pt, e.g. one copied from elsewhere (default: the layout's, "
        "results/{tree}/runs/{source}/{run}[/seed{k}]/checkpoint.pt)",
    )


def _inputs_arg(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--inputs",
        nargs="+",
        required=True,
        metavar="PATH",
        help=f"every file it reads, as results/... paths from the project root: {what}; "
        "reading any other is an error",
    )

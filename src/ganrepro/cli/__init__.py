"""The ``ganrepro`` command: every pipeline step, with every path as an argument.

Exit codes: 0 ok; 2 bad input, damaged or refused files (a one-line reason on stderr); 1 any
other failure (a full disk also with one line).

The commands live by group: ``cli/project.py`` (validate, schema, runs, show, jobs, dvc-yaml,
data, rehearse), ``cli/steps.py`` (train, classifier, stats, evaluate, visuals),
``cli/outputs.py`` (samples, sample, tensorboard, figure, table, report); ``cli/parser.py``
declares their arguments, ``cli/common.py`` what they share. This module runs one: the
error handling, the resource record and the thread limits."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from ganrepro import layout
from ganrepro.cli.common import UsageError
from ganrepro.cli.parser import build_parser

# Bad-input exceptions of modules heavy to import (torch, matplotlib), looked up only once their
# module is loaded: a command that never loads one cannot raise its errors, and the figure, table
# and report commands must not import torch to report their own.
LAZY_ERRORS = (
    ("ganrepro.train.checkpoint", "CheckpointMismatch"),
    ("ganrepro.evaluate.stats", "StatsMismatch"),
    ("ganrepro.plots.samples", "SamplesMismatch"),
)


def bad_input_errors() -> tuple[type[BaseException], ...]:
    from ganrepro.config import ParamsError
    from ganrepro.data.download import DownloadError
    from ganrepro.data.store import RehearsalData
    from ganrepro.io import DamagedFile
    from ganrepro.layout import UndeclaredInput
    from ganrepro.registry import UnknownName
    from ganrepro.sources import SourceError

    loaded = tuple(
        getattr(sys.modules[module], name) for module, name in LAZY_ERRORS if module in sys.modules
    )
    return (
        UsageError,
        ParamsError,
        DownloadError,
        RehearsalData,
        DamagedFile,
        UnknownName,
        UndeclaredInput,
        SourceError,
        FileNotFoundError,
        *loaded,
    )


def _sized(command: str, args) -> tuple[str, str] | None:
    """(rule, subject) of a job whose cost :mod:`ganrepro.sizing` scales to the full scale."""
    if command in ("train", "evaluate"):
        return command, args.run
    if command == "visuals":
        return command, f"{args.run}/{args.part}"
    if command in ("stats", "classifier train"):
        return command.split()[0], Path(args.data).stem
    return None


def job_name(command: str, args) -> str | None:
    """The job-table name (:mod:`ganrepro.jobs`) of a command line, for the commands the
    workflow runs as jobs that cost something; None for the others."""

    def seed(path: str) -> tuple[str, ...]:
        k = re.search(r"/seed(\d+)/[^/]+$", path)
        return (f"seed{k[1]}",) if k else ()

    def stage(*parts: str) -> str:
        return "-".join(p.replace("/", "-") for p in parts)

    if command == "train":
        return stage("train", args.run, *((f"seed{args.seed_index}",) if args.seed_index else ()))
    if command == "evaluate":
        return stage("evaluate", args.run, *seed(args.out))
    if command == "visuals":
        return stage("visuals", args.run, args.part)
    if command in ("stats", "classifier train"):
        return stage(command.split()[0], Path(args.data).stem)
    if command == "data prepare":
        return stage("prepare_data", args.dataset)
    if command == "rehearse archives":
        return stage("rehearsal_archives", args.dataset)
    if command == "rehearse inception":
        return "rehearsal_inception"
    if command in ("figure", "table"):
        return stage(command, getattr(args, command))
    if command == "report":
        return "report"
    return None


def _record(command: str, args, meter) -> None:
    """A job's measurement, appended to its tree's resources.jsonl (ganrepro.measure): only
    for a job of the workflow, whose output lies in its tree (a command run by hand or by a
    test elsewhere records nothing there)."""
    from ganrepro.measure import append

    params = getattr(args, "loaded", None)
    if params is None or getattr(args, "out", None) is None:
        return  # (a command run by hand with its default --out: not the workflow's job)
    job = job_name(command, args)
    if job is None:
        return
    tree = Path(layout.of(params).root).resolve()
    if tree not in Path(args.out).resolve().parents:
        return
    meter.detail = {"rule": command, "tree": params.tree, **getattr(args, "detail", {})}
    sized = _sized(command, args)
    if sized:  # what a full-scale job of the same settings is sized from (ganrepro.sizing)
        from ganrepro.measure import settings_key

        meter.detail |= {"sizing": {"rule": sized[0], "subject": sized[1]}}
        knobs = getattr(args, "runtime_knobs", None)
        meter.detail["sizing"]["key"] = settings_key(params, *sized, runtime=knobs)
    device = getattr(args, "device", None)
    if device == "auto":  # what `auto` picked (train resolves it itself)
        torch = sys.modules.get("torch")
        device = "cuda" if torch is not None and torch.cuda.is_available() else "cpu"
    entry = meter.entry(job, device, getattr(args, "threads", None))
    append(layout.of(params).resources, entry)


def limit_threads(threads: int) -> None:
    """Keep a job to its ``threads`` CPU threads: torch's and also the BLAS under NumPy (KID,
    FID's matrices). Left alone, OpenBLAS takes every core and, beside another job, spins:
    on 2 cores a quick KID took 9x longer."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(threads, user_api="blas")


def _stdout_closed() -> bool:
    """Whether standard output is a pipe whose reader has gone (poll reports an error)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the `ganrepro` script: inside a local Snakemake run, in a warm worker
        from ganrepro import forkserver

        code = forkserver.delegate(sys.argv[1:])
        if code is not None:
            return code
    from ganrepro.io import NO_SPACE

    args = build_parser().parse_args(argv)
    if getattr(args, "threads", None):
        limit_threads(args.threads)
    func: Callable = args.func
    sub = next(
        (
            getattr(args, k)
            for k in ("data_cmd", "classifier_cmd", "rehearse_cmd")
            if hasattr(args, k)
        ),
        None,
    )
    name = " ".join(filter(None, (args.command, sub)))
    out = getattr(args, "out", None)
    if out:  # what a killed earlier run of this command left half-written beside its output
        from ganrepro.io import remove_stale_temps

        remove_stale_temps(Path(out).parent, [Path(out).name])
    from ganrepro.measure import Meter

    meter = Meter()
    try:
        func(args)
        sys.stdout.flush()  # a closed pipe is found here, not at exit
        _record(name, args, meter)
    except BrokenPipeError:  # `ganrepro jobs | head`: the reader has what it wanted
        if not _stdout_closed():
            raise  # another pipe (a worker's, a socket): a failure like any other
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 128 + 13  # as a process killed by SIGPIPE
    except bad_input_errors() as exc:
        print(f"ganrepro {name}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk is no bug: one line, and the state on disk is intact
        if exc.errno not in NO_SPACE:
            raise
        print(f"ganrepro {name}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Commands about the project: validate, schema, runs, show, jobs, dvc-yaml, data, rehearse."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from ganrepro import layout
from ganrepro.cli.common import UsageError, _emit_generated, _load


def cmd_validate(args) -> None:
    from ganrepro.assets import AssetError, check_inception

    if args.file and args.params and args.file != args.params:  # `validate FILE`, or --params
        raise UsageError(f"two parameters files: {args.file} and --params {args.params}")
    args.params = args.file or args.params or "params.yaml"
    from ganrepro.config.coherence import cost_gaps, problems

    params = _load(args)
    found = problems(params)  # the names the figure, table and report jobs look up
    if found:
        raise UsageError(f"{args.params} and the source files disagree:\n  " + "\n  ".join(found))
    try:  # what the full scale's jobs need besides the file (the workflow checks it too)
        weights = check_inception(params)
        gaps = cost_gaps(params)
    except (AssetError, ValueError) as exc:
        raise UsageError(f"{args.params}: valid, but its jobs cannot run here: {exc}") from None
    print(
        f"{args.params}: ok ({params.label}, {len(params.runs)} runs in "
        f"{len(params.sources)} sources, data: {', '.join(params.data_names())})"
        + (f"; {weights}" if weights else "")
    )
    if gaps:
        print(
            f"note: report/cost.json does not cover {len(gaps)} runs ({', '.join(gaps)}); the "
            "report marks them not measured (benchmarks/bench_cost.py --runs PREFIX --json "
            "report/cost.json --merge measures and adds them, one prefix per call)"
        )


def cmd_schema(args) -> None:
    from ganrepro.config.schema import dumps, params_schema

    _emit_generated(dumps(params_schema()) + "\n", args, "schema")


def cmd_runs(args) -> None:

    for run_id in _load(args).runs:
        print(run_id)


def cmd_data_prepare(args) -> None:
    from ganrepro.data import DATASETS
    from ganrepro.data.store import prepare

    if args.dataset not in DATASETS:
        raise UsageError(f"unknown dataset {args.dataset!r} (known: {', '.join(DATASETS)})")
    if args.archives and args.mirror:
        raise UsageError("give --archives (served here) or --mirror, not both")
    if args.archives and not args.rehearse:
        raise UsageError(
            "--archives serves the rehearsal's synthetic archives: a real dataset never comes "
            "from them (add --rehearse, or use --mirror for copies of the real archives)"
        )
    params = _load(args)
    raw_dir = args.raw_dir or layout.of(params).raw
    if args.archives:  # served from 127.0.0.1 for this download, checked against its manifest
        from ganrepro.data.serve import serve

        manifest = Path(args.archives) / "manifest.json"
        if not manifest.is_file():
            raise UsageError(
                f"{manifest}: no manifest (write the archives with `ganrepro "
                "rehearse archives --out DIR`)"
            )
        with serve(args.archives) as url:
            out = prepare(args.dataset, args.out, params.datasets, raw_dir, url, manifest)
    else:  # --mirror, else the workflow's (`--config mirror=...`), else the real hosts
        from ganrepro.data.download import MIRROR_ENV

        mirror = args.mirror or os.environ.get(MIRROR_ENV) or None
        out = prepare(args.dataset, args.out, params.datasets, raw_dir, mirror)
    print(f"wrote {out}")


def cmd_data_serve(args) -> None:
    from ganrepro.data.serve import main_serve

    if not Path(args.folder).is_dir():
        raise UsageError(f"{args.folder}: no such folder")
    main_serve(args.folder, args.port)


def cmd_rehearse_archives(args) -> None:
    from ganrepro.data import DATASETS
    from ganrepro.data.synthetic import write_archives

    real = [name for name, spec in DATASETS.items() if spec.real]
    if args.dataset not in real:
        raise UsageError(f"{args.dataset!r} has no archives (real datasets: {', '.join(real)})")
    params = _load(args)
    manifest = write_archives(args.out, datasets=(args.dataset,), seed=params.seed)
    print(f"wrote {len(manifest['files'])} archive(s) and {Path(args.out) / 'manifest.json'}")


def cmd_rehearse_inception(args) -> None:
    from ganrepro.evaluate.inception import write_random_weights

    params = _load(args)
    write_random_weights(args.out, seed=params.seed)
    print(f"wrote {args.out} (torch-fidelity's Inception format, random values: rehearsal only)")


def cmd_show(args) -> None:
    from ganrepro.config.origin import format_origins, origins

    params = _load(args)
    run = params.run(args.run)
    sys.stdout.write(format_origins(run, params.scale, origins(args.params, run)))


def cmd_jobs(args) -> None:
    import yaml

    from ganrepro.jobs import Table

    params = _load(args)
    table = Table(params, yaml.safe_load(Path(args.params).read_text()))
    if args.job and args.reading:
        raise UsageError("give a job or --reading KEY, not both")
    if args.resources:
        return _print_resources(params, table, args)
    if args.reading:
        try:
            table.value(args.reading, resolve=False)
        except KeyError:
            raise UsageError(f"params.yaml has no key {args.reading}") from None
    if args.job:
        if args.job not in table.jobs:
            raise UsageError(
                f"no job {args.job!r} at the {params.scale} scale (see `ganrepro jobs`)"
            )
        job = table.jobs[args.job]
        print(f"{job.name} ({job.rule}): {job.cmd}")
        for title, items in (
            (
                "reads settings",
                [f"{k} = {json.dumps(v, default=str)}" for k, v in job.values.items()],
            ),
            ("reads files", job.input_files()),
            ("writes", list(job.outputs.values())),
        ):
            print(f"{title}:" + "".join(f"\n  {x}" for x in items))
        return

    def reads(job) -> bool:  # the key, a key inside it or one that holds it
        key = args.reading
        return any(
            r == key or r.startswith(key + ".") or key.startswith(r + ".") for r in job.reads
        )

    for job in table.jobs.values():
        if args.reading is None or reads(job):
            print(job.name)


def _print_resources(params, table, args) -> None:
    """What each cluster job asks the scheduler for (its first attempt), as the workflow
    computes it (ganrepro.sizing), and where that comes from."""
    from ganrepro.sizing import SIZED_RULES, Sizing, format_table

    if args.device not in ("auto", "cpu") and not re.fullmatch(r"cuda(:\d+)?", args.device):
        raise UsageError(f"--device {args.device}: expected auto, cpu, cuda or cuda:N")
    from ganrepro.train.runtime import RUNTIME_ENV, Runtime

    try:  # the step's knobs the jobs will run with: part of a training's sizing key
        runtime = Runtime.parse(os.environ.get(RUNTIME_ENV)).to_dict()
    except ValueError as exc:
        raise UsageError(f"${RUNTIME_ENV}: {exc}") from None
    sizing = Sizing(params, args.device, measurements=args.measurements, runtime=runtime)
    jobs = [j for j in table.jobs.values() if j.rule in SIZED_RULES]
    if args.job:
        jobs = [j for j in jobs if j.name == args.job]
        if not jobs:
            raise UsageError(
                f"no cluster job {args.job!r} at the {params.label} (see `ganrepro jobs`)"
            )
    asks = sizing.asks(jobs)
    sys.stdout.write(format_table(asks))
    for line in [*sizing.summary(asks), *sizing.problems(asks, args.retries)]:
        print(line)


def cmd_dvc_yaml(args) -> None:
    import yaml

    from ganrepro.dvcgen import render

    params = _load(args)
    raw = yaml.safe_load(Path(args.params).read_text())
    _emit_generated(render(params, raw), args, "dvc-yaml")

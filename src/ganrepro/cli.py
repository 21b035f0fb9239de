"""The ``ganrepro`` command: every pipeline step, with every path as an argument.

Exit codes: 0 ok; 2 bad input, damaged or refused files (a one-line reason on stderr); 1 any
other failure (a full disk also with one line).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ganrepro import __version__, layout
from ganrepro.config.schema import SCALES


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


def _load(args):
    """params.yaml at the command's scale (``--scale``, ``--rehearse``), kept on ``args`` for
    the job's measurement (:func:`main`)."""
    from ganrepro.config import load_params

    args.loaded = load_params(args.params, scale=args.scale, rehearse=args.rehearse)
    return args.loaded


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
            "report marks them not measured (benchmarks/bench_cost.py --runs ... --json "
            "report/cost.json adds them)"
        )


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


def cmd_train(args) -> None:
    from ganrepro.config.origin import origins, resolved_config
    from ganrepro.train.run import clear, train
    from ganrepro.train.runtime import RUNTIME_ENV, Runtime

    try:  # the flags, else $GANREPRO_RUNTIME (how the workflow passes them on: no rerun)
        runtime = Runtime.parse(args.runtime or os.environ.get(RUNTIME_ENV))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    params = _load(args)
    run = params.run(args.run)
    _check_seed_index(args.seed_index, run, params)
    tree = layout.of(params)
    out = Path(args.out or tree.run_dir(run.id, args.seed_index))
    data = args.data or tree.data(run.data)
    if args.restart:
        clear(out)
    settings = resolved_config(run, params.scale, origins(args.params, run))
    summary = train(
        run,
        data,
        out,
        settings=settings,
        seed=params.seed + args.seed_index,
        device=args.device,
        threads=args.threads,
        save_every_s=args.save_every,
        restart_if_changed=args.restart_if_changed,
        runtime=runtime,
    )
    compute = summary["compute"]
    args.runtime_knobs = runtime.to_dict()  # what the step's speed depends on (the sizing key)
    args.detail = {
        "run_id": run.id,
        "seed_index": args.seed_index,
        "dataset": run.data,
        "steps": summary["steps_done"],
        "schedule_steps": summary.get("rehearsal", {}).get(
            "schedule_steps", summary["total_steps"]
        ),
        "s_per_step": summary.get("s_per_step_median"),
        "train_wall_s": summary["wall_time_s"],
    }
    print(
        f"{run.id}: {summary['status']} after {summary['steps_done']}/{summary['total_steps']} "
        f"steps in {summary['wall_time_s']:.1f} s "
        f"({compute['wall_time_s']:.1f} s over {compute['attempts']} attempt(s) in all)"
        + (f" ({summary['reason']})" if summary["reason"] else "")
    )


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


def _device(name: str) -> str:
    from ganrepro.train.run import pick_device

    return str(pick_device(name))


def _extractors(params, classifier: str | None, device: str, check_classifier=None):
    """The evaluation's extractors, in their order (``check_classifier()`` runs before the
    classifier's is made)."""
    from ganrepro.evaluate.extractors import make_extractor

    made = []
    for name in params.evaluation.extractors:
        if name == "classifier" and check_classifier is not None:
            check_classifier()
        made.append(
            make_extractor(
                name,
                classifier_path=classifier,
                inception=params.evaluation.inception_weights,
                device=device,
                real=params.rehearsal is None,  # a real run refuses random Inception weights
            )
        )
    return made


def _extracted(extractors, t0: float) -> dict:
    """An evaluation's measurement: its seconds since ``t0`` (``work_s``), and of them the
    seconds, images and calls of feature extraction (the part that grows with the images;
    the rest grows with the calls, and the pairs at the rate timed apart: ganrepro.sizing)."""
    return {
        "work_s": round(time.perf_counter() - t0, 3),
        "extract_s": round(sum(ex.seconds for ex in extractors), 3),
        "images": sum(ex.images_seen for ex in extractors),
        "calls": sum(ex.calls for ex in extractors),
    }


def cmd_classifier_train(args) -> None:
    from ganrepro.evaluate.classifier import train_classifier

    params = _load(args)
    t0 = time.perf_counter()
    info = train_classifier(
        args.data, args.out, params.classifier, seed=params.seed, threads=args.threads
    )
    args.detail = {
        "dataset": info["dataset"],
        "steps": info["steps"],
        "schedule_steps": info["schedule_steps"],
        "work_s": round(time.perf_counter() - t0, 3),
    }
    print(f"{info['dataset']} classifier: test accuracy {info['test_accuracy']:.4f} -> {args.out}")


def cmd_stats(args) -> None:
    from ganrepro.evaluate.stats import compute_stats

    params = _load(args)
    args.device = _device(args.device)
    extractors = _extractors(params, args.classifier, args.device)
    ev = params.evaluation
    t0 = time.perf_counter()
    meta = compute_stats(
        args.data,
        args.out,
        extractors,
        ev.n_reference,
        ev.is_splits,
        n_samples=ev.n_samples,
        n_samples_test=ev.n_samples_test,
        rehearsal=params.rehearsal is not None,
    )
    args.detail = {
        "dataset": meta.get("dataset"),
        **{k: getattr(ev, k) for k in ("n_reference", "n_samples", "n_samples_test")},
        **_extracted(extractors, t0),
    }
    print(
        f"wrote {args.out}: {', '.join(meta['extractors'])} x "
        f"{', '.join(f'{k} ({v})' for k, v in meta['splits'].items())}"
    )


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


def _checkpoint(args, run, params) -> Path:
    """``--checkpoint``, else the layout's: the final checkpoint of seed ``--seed-index``."""
    if args.checkpoint:
        if args.seed_index:
            raise UsageError("give --checkpoint or --seed-index, not both")
        if not Path(args.checkpoint).is_file():
            raise UsageError(f"--checkpoint {args.checkpoint}: no such file")
        return Path(args.checkpoint)
    _check_seed_index(args.seed_index, run, params)
    path = layout.of(params).run_file(run.id, args.seed_index, "checkpoint")
    return _made_by_workflow(path, "checkpoint", params)


def _evaluated_files(args, run, params) -> tuple[Path, dict[str, Path] | None, Path]:
    """The checkpoint, the training outputs evaluate reads beside it (each flag, else the
    layout's names there) and where the metrics go. A checkpoint given by ``--checkpoint``
    with none of them beside it (copied from another machine without its run folder) is
    scored alone: no training outputs, and its metrics go to ``{name}.metrics.json`` beside
    it unless ``--out`` says otherwise."""
    ckpt = _checkpoint(args, run, params)
    names = [k for k in layout.EVALUATED if k != "checkpoint"]
    given = {"summary": args.summary, "log": args.log, "ckpt": args.ckpt_dir}
    files = {k: Path(given[k]) if given[k] else ckpt.parent / layout.RUN_FILES[k] for k in names}
    present = {k for k, f in files.items() if f.exists()}
    if args.checkpoint and not present and not any(given.values()):
        return ckpt, None, Path(args.out or ckpt.with_name(f"{ckpt.stem}.metrics.json"))
    missing = [str(files[k]) for k in names if k not in present]
    if missing:
        hint = "" if args.checkpoint else f" (make them: `{snakemake_hint(params, str(ckpt))}`)"
        raise UsageError(
            f"{run.id}: missing training outputs beside {ckpt}: {', '.join(missing)}{hint}"
        )
    out = Path(args.out) if args.out else ckpt.parent / layout.RUN_FILES["metrics"]
    return ckpt, {"checkpoint": ckpt, **files}, out


def cmd_evaluate(args) -> None:
    from ganrepro.evaluate.run import evaluate_checkpoint, evaluate_run

    params = _load(args)
    args.device = _device(args.device)
    run = params.run(args.run)
    tree = layout.of(params)
    # the extractors first (a missing Inception weights file is said before anything else),
    # then every file the evaluation reads: all before any work
    classifier, check = args.classifier, None
    if classifier is None and "classifier" in params.evaluation.extractors:
        classifier = tree.classifier(run.data)
        check = lambda: _made_by_workflow(classifier, "domain classifier", params)  # noqa: E731
    extractors = _extractors(params, classifier, args.device, check)
    ckpt, trained, out = _evaluated_files(args, run, params)
    stats = _made_by_workflow(args.stats or tree.stats(run.data), "reference statistics", params)
    t0 = time.perf_counter()
    if trained is None:  # a lone checkpoint: its final metrics only
        res = evaluate_checkpoint(
            run, ckpt, stats, out, extractors, params.evaluation, device=args.device
        )
        name = extractors[0].name
        print(
            f"{run.id} (checkpoint {ckpt}, step {res['step']}): {name} FID "
            f"{res['final'][name]['fid']:.2f}, IS {res['final'][name]['is_mean']:.2f} -> {out}"
        )
        return
    res = evaluate_run(run, trained, stats, out, extractors, params.evaluation, device=args.device)
    name = extractors[0].name
    args.detail = {
        "run_id": run.id,
        "dataset": run.data,
        "extractors": [ex.name for ex in extractors],
        "images_scored": res["images_scored"],
        **_extracted(extractors, t0),
    }
    if params.rehearsal is not None:  # the full evaluation's pairwise part, timed at scale
        from ganrepro.evaluate.metrics import pairwise_seconds

        size = params.evaluation.kid_subset_size  # the full scale's, in the rehearsal
        args.detail["pair_s_2048"] = pairwise_seconds(2048, kid_subsets=5, kid_subset_size=size)
    print(
        f"{run.id} ({res['status']}): {name} FID {res['final'][name]['fid']:.2f}, "
        f"IS {res['final'][name]['is_mean']:.2f} -> {out} "
        f"(evaluation {time.perf_counter() - t0:.2f} s)"  # its maths, for bench_workflow.py
    )


def _classify(path: str, device: str):
    """The domain classifier's predicted class of uint8 images (cherry-picking)."""
    from ganrepro.evaluate.classifier import load_classifier

    model, _ = load_classifier(path, device)
    return lambda x: model(x.to(device))[1].argmax(1).cpu()


def cmd_visuals(args) -> None:
    from ganrepro.evaluate.sampling import Sampler
    from ganrepro.evaluate.visuals import sample_part, save_samples

    params = _load(args)
    args.device = _device(args.device)
    run = params.run(args.run)
    sampler = Sampler(run, args.checkpoint, args.device)
    classify = None
    if args.part == "cherry" and not sampler.conditional:
        if not args.classifier:
            raise UsageError(f"--classifier is needed to cherry-pick {run.id} (unconditional)")
        classify = _classify(args.classifier, args.device)
    t0 = time.perf_counter()
    save_samples(args.out, sample_part(sampler, params.evaluation, args.part, classify))
    args.detail = {
        "run_id": run.id,
        "part": args.part,
        "drawn": sampler.drawn,
        "cherry_pool": params.evaluation.cherry_pool,
        "work_s": round(time.perf_counter() - t0, 3),
    }
    print(f"wrote {args.out}: {args.part} of {run.id} at step {sampler.step}")


def cmd_samples(args) -> None:
    from ganrepro.evaluate.sampling import Sampler
    from ganrepro.evaluate.visuals import sample_arrays
    from ganrepro.plots import samples

    if args.kind not in samples.KINDS:
        raise UsageError(f"unknown --kind {args.kind!r} (known: {', '.join(samples.KINDS)})")
    params = _load(args)
    args.device = _device(args.device)
    run = params.run(args.run)
    sampler = Sampler(run, _checkpoint(args, run, params), args.device)
    title = args.title or f"{run.id} ({params.scale} scale, step {sampler.step})"
    classify, real = None, None
    if args.kind == "cherry" and not sampler.conditional:
        if not args.classifier:
            raise UsageError("--classifier is needed to cherry-pick an unconditional run")
        classify = _classify(args.classifier, args.device)
    if args.kind == "paired":
        from ganrepro.data.store import load as load_dataset

        if not args.data:
            raise UsageError("--data (the real dataset) is needed for a paired grid")
        ds = load_dataset(args.data, ("train",))
        real = (ds.x, ds.y)
    arrays = sample_arrays(sampler, params.evaluation, classify)
    samples.draw(args.kind, arrays, args.out, title, real)
    print(f"wrote {args.out}")


def cmd_sample(args) -> None:
    import math

    import numpy as np

    from ganrepro.evaluate.sampling import Sampler
    from ganrepro.images import tile
    from ganrepro.io import atomic_open

    out = Path(args.out)
    if out.suffix not in (".png", ".npz"):
        raise UsageError(f"--out {args.out}: a .png (a grid) or .npz (the uint8 arrays)")
    if args.n < 1:
        raise UsageError(f"--n {args.n}: at least 1 image")
    params = _load(args)
    args.device = _device(args.device)
    run = params.run(args.run)
    ckpt = _checkpoint(args, run, params)
    seed = params.evaluation.seed if args.seed is None else args.seed
    sampler = Sampler(run, ckpt, args.device)
    x, y = sampler.sample(args.n, seed)
    x = x.numpy()
    with atomic_open(out) as fh:
        if out.suffix == ".npz":
            meta = {"run_id": run.id, "step": sampler.step, "seed": seed, "checkpoint": str(ckpt)}
            arrays = {"x": x, "meta": np.array(json.dumps(meta))}
            np.savez_compressed(fh, **arrays, **({} if y is None else {"y": y.numpy()}))
        else:
            from PIL import Image

            nrow = sampler.n_classes if y is not None else math.ceil(math.sqrt(args.n))
            Image.fromarray(tile(x, nrow)).save(fh, format="PNG")
    labels = f" (labels: sample i has class i mod {sampler.n_classes})" if y is not None else ""
    print(f"wrote {out}: {args.n} images of {run.id} at step {sampler.step}, seed {seed}{labels}")


def tensorboard_runs(params, chosen: list[str]) -> dict[str, str]:
    """name -> published tb/ folder of each trained seed of the runs ``chosen`` (run ids or
    sources; all when empty) in the params' tree: one entry per run, never the copy that
    training keeps in the run's state/ for resuming."""
    from ganrepro.registry import UnknownName, unknown

    tree = layout.of(params)
    for c in chosen:
        if c not in params.runs and c not in params.sources:
            known = [*params.runs, *params.sources]
            raise UnknownName(unknown("run or source", c, known, "`ganrepro runs` lists them"))
    found = {}
    for run_id in params.runs:
        if chosen and run_id not in chosen and run_id.split("/")[0] not in chosen:
            continue
        for k in range(params.seeds_for(run_id)):
            tb = tree.run_file(run_id, k, "tb")
            if Path(tb).is_dir():
                found[run_id + layout.seed_suffix(k)] = tb
    return found


def cmd_tensorboard(args) -> None:
    params = _load(args)
    found = tensorboard_runs(params, args.runs)
    if not found:
        raise UsageError(
            f"no TensorBoard events under {layout.of(params).root}/runs/ "
            f"for {' '.join(args.runs) or 'any run'}: train first (`{snakemake_hint(params)}`)"
        )
    import importlib.util

    if importlib.util.find_spec("tensorboard") is None:
        raise UsageError("TensorBoard is not installed here (pip install tensorboard)")
    if any("," in tb or ":" in tb for tb in found.values()):
        raise UsageError("a run folder's path holds ',' or ':', which --logdir_spec cannot take")
    spec = ",".join(f"{name}:{tb}" for name, tb in found.items())
    argv = [sys.executable, "-m", "tensorboard.main", "--logdir_spec", spec]
    argv += ["--host", args.host, "--port", str(args.port)]
    print(f"TensorBoard of {len(found)} runs of {params.label}: http://{args.host}:{args.port}/")
    sys.stdout.flush()
    if args.dry_run:
        print(" ".join(argv[1:]))
        return
    os.execv(sys.executable, argv)  # TensorBoard in this process: Ctrl-C stops it


def cmd_figure(args) -> None:
    from ganrepro.layout import Files
    from ganrepro.outputs import catalog
    from ganrepro.outputs.figures import draw

    params = _load(args)
    source, _, name = args.figure.partition("/")
    out = catalog.get("figure", source, name)
    draw(out, source, params, Files(layout.of(params), args.inputs), Path(args.out))
    print(f"wrote {args.out}")


def cmd_table(args) -> None:
    from ganrepro.layout import Files
    from ganrepro.outputs import catalog
    from ganrepro.outputs.tables import tabulate

    params = _load(args)
    source, _, name = args.table.partition("/")
    out = catalog.get("table", source, name)
    tabulate(out, source, params, Files(layout.of(params), args.inputs), Path(args.out))
    print(f"wrote {args.out} and {Path(args.out).with_suffix('.md')}")


def cmd_report(args) -> None:
    from ganrepro.layout import Files
    from ganrepro.report.build import build_report

    params = _load(args)
    r = build_report(
        params,
        Path(args.params),
        Files(layout.of(params), args.inputs),
        Path(args.deviations),
        Path(args.out),
    )
    missing = [k for k in params.runs if not r.metrics.get(k)]
    print(f"wrote {args.out}" + (f" ({len(missing)} runs missing)" if missing else ""))


def cmd_dvc_yaml(args) -> None:
    import yaml

    from ganrepro.dvcgen import render

    params = _load(args)
    raw = yaml.safe_load(Path(args.params).read_text())
    _emit_generated(render(params, raw), args, "dvc-yaml")


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganrepro", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"ganrepro {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check params.yaml against its schema and rules")
    p.add_argument("file", nargs="?", help="parameters file (the same as --params)")
    p.add_argument("--params", help="parameters file (default: params.yaml)")
    _scale_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print or write the JSON schema of params.yaml")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--out", help="write the schema here")
    g.add_argument("--check", metavar="PATH", help="fail if PATH differs from the schema")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("runs", help="list the run ids ({source}/{run}) of params.yaml")
    _params_args(p)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser(
        "show", help="a run's resolved settings, each with where it comes from in params.yaml"
    )
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    _params_args(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "jobs", help="the workflow's jobs; one job's command, settings and files; who reads a key"
    )
    p.add_argument("job", nargs="?", help="a job, e.g. train-frank-wgan: what it reads and writes")
    p.add_argument("--reading", metavar="KEY", help="only the jobs that read KEY (dotted)")
    p.add_argument(
        "--resources",
        action="store_true",
        help="what each cluster job asks for (threads, GPUs, memory, runtime) and from where: "
        "at the full scale, the rehearsal's measurements (a dry run prints the threads capped)",
    )
    p.add_argument("--device", default="auto", help="with --resources: the workflow's device")
    p.add_argument(
        "--retries", type=int, default=2, help="with --resources: the profile's retries (2)"
    )
    p.add_argument(
        "--measurements",
        metavar="JSONL",
        help="with --resources: the rehearsal's measurements (results/rehearsal/resources.jsonl)",
    )
    _params_args(p)
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("train", help="train one run ({source}/{run}), resuming if possible")
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    p.add_argument("--data", help="prepared dataset (default: results/{tree}/data/{dataset}.npz)")
    p.add_argument("--out", help="run folder (default: results/{tree}/runs/{source}/{run})")
    p.add_argument("--seed-index", type=int, default=0, help="k: train with seed + k")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda[:N]")
    p.add_argument("--threads", type=int, help="torch CPU threads (the rule's threads)")
    p.add_argument(
        "--runtime",
        action="append",
        metavar="KEY=VALUE",
        help="how the steps run, e.g. autocast=bf16, compile=true, channels_last=false "
        "(repeatable; keys and defaults: ganrepro.train.runtime.Runtime; default: "
        "$GANREPRO_RUNTIME, comma-separated)",
    )
    p.add_argument(
        "--save-every",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="also save resume.pt this often (default: %(default)s)",
    )
    p.add_argument("--restart", action="store_true", help="discard saved state and start over")
    p.add_argument(
        "--restart-if-changed",
        action="store_true",
        help="discard saved state of another configuration or seed instead of "
        "refusing to resume (the workflow's setting after a parameter change)",
    )
    _params_args(p)
    p.set_defaults(func=cmd_train)

    cls = sub.add_parser("classifier", help="domain classifiers (classifier-FID / -IS)")
    cls = cls.add_subparsers(dest="classifier_cmd", required=True)
    p = cls.add_parser("train", help="train a dataset's domain classifier; reports test accuracy")
    p.add_argument("--data", required=True, help="prepared dataset (.npz)")
    p.add_argument(
        "--out", required=True, help="classifier file (results/{tree}/classifiers/{d}.pt)"
    )
    p.add_argument("--threads", type=int)
    _params_args(p)
    p.set_defaults(func=cmd_classifier_train)

    p = sub.add_parser("stats", help="reference statistics of a dataset (computed once)")
    p.add_argument("--data", required=True, help="prepared dataset (.npz)")
    p.add_argument("--classifier", help="the dataset's domain classifier (.pt)")
    p.add_argument("--out", required=True, help="statistics file (results/{tree}/stats/{d}.npz)")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    p.add_argument("--threads", type=int, help="CPU threads (the rule's threads)")
    _params_args(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser(
        "evaluate",
        help="metrics of a run at its checkpoints -> metrics.json (every path: the layout's)",
    )
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    # a --checkpoint with no train.json, log.csv or ckpt/ beside it is scored alone
    _checkpoint_args(p)
    p.add_argument("--summary", help="the run's train.json (default: beside the checkpoint)")
    p.add_argument("--log", help="the run's log.csv (default: beside the checkpoint)")
    p.add_argument("--ckpt-dir", help="periodic checkpoints (default: ckpt/ beside it)")
    p.add_argument("--stats", help="reference statistics (default: results/{tree}/stats/)")
    p.add_argument("--classifier", help="domain classifier (default: results/{tree}/classifiers/)")
    p.add_argument(
        "--out",
        help="metrics.json (default: beside the checkpoint; a lone one: {name}.metrics.json)",
    )
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    p.add_argument("--threads", type=int)
    _params_args(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("visuals", help="one part of a run's sample arrays for its figures (.npz)")
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    p.add_argument("--part", required=True, choices=layout.PARTS)
    p.add_argument("--checkpoint", required=True, help="the run's final checkpoint.pt")
    p.add_argument("--classifier", help="domain classifier (cherry-picking unconditional runs)")
    p.add_argument(
        "--out", required=True, help="the part's .npz (results/{tree}/runs/.../{part}.npz)"
    )
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    p.add_argument("--threads", type=int)
    _params_args(p)
    p.set_defaults(func=cmd_visuals)

    p = sub.add_parser("sample", help="N images of a run's checkpoint -> a PNG grid or .npz")
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    p.add_argument("--n", type=int, default=64, help="images (default: %(default)s)")
    p.add_argument("--seed", type=int, help="latent seed (default: the evaluation's)")
    _checkpoint_args(p)
    p.add_argument("--out", required=True, help="a .png grid or a .npz of uint8 arrays")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    _params_args(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("tensorboard", help="TensorBoard over the runs' training curves")
    p.add_argument("runs", nargs="*", help="run ids or sources (default: every trained run)")
    p.add_argument("--host", default="127.0.0.1", help="(default: %(default)s)")
    p.add_argument("--port", type=int, default=6006, help="(default: %(default)s)")
    p.add_argument("--dry-run", action="store_true", help="print TensorBoard's command only")
    _params_args(p)
    p.set_defaults(func=cmd_tensorboard)

    p = sub.add_parser("samples", help="sample figures of a run: grid, interpolation, ...")
    p.add_argument("run", help="run id")
    p.add_argument(
        "--kind", required=True, help="a sample figure: grid, interpolation, cherry, paired"
    )
    _checkpoint_args(p)
    p.add_argument("--out", required=True, help="PNG to write")
    p.add_argument("--classifier", help="domain classifier (cherry-picking unconditional runs)")
    p.add_argument("--data", help="real dataset (paired grids)")
    p.add_argument("--title")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    _params_args(p)
    p.set_defaults(func=cmd_samples)

    p = sub.add_parser("figure", help="draw one source figure, e.g. frank/fig7_fid_curves")
    p.add_argument("figure", help="{source}/{figure}")
    _inputs_arg(p, "the run files (and dataset) it draws")
    p.add_argument(
        "--out", required=True, help="PNG (results/{tree}/figures/{source}/{figure}.png)"
    )
    _params_args(p)
    p.set_defaults(func=cmd_figure)

    p = sub.add_parser(
        "table", help="make one source table (CSV + Markdown), e.g. ding/table2_wgan_study"
    )
    p.add_argument("table", help="{source}/{table}")
    _inputs_arg(p, "the run files it tabulates")
    p.add_argument("--out", required=True, help="CSV (results/{tree}/tables/{source}/{table}.csv)")
    _params_args(p)
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("report", help="the comparative report (one self-contained HTML page)")
    _inputs_arg(p, "metrics, figures, tables and datasets; one not given is shown as missing")
    p.add_argument("--deviations", default="report/deviations.yaml")
    p.add_argument("--out", required=True, help="results/{tree}/report/index.html")
    _params_args(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("dvc-yaml", help="generate dvc.yaml from params.yaml and the catalog")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--out", help="write it here (dvc.yaml)")
    g.add_argument("--check", metavar="PATH", help="fail if PATH is stale")
    _params_args(p)
    p.set_defaults(func=cmd_dvc_yaml)

    data = sub.add_parser("data", help="datasets").add_subparsers(dest="data_cmd", required=True)
    p = data.add_parser("prepare", help="download/build a dataset into one .npz of uint8 arrays")
    p.add_argument("dataset", help="mnist, cifar10, stl10, or a stand-in: digits, photos")
    p.add_argument("--out", required=True, help="output .npz (results/{tree}/data/{dataset}.npz)")
    _params_args(p)
    p.add_argument(
        "--raw-dir",
        help="where archives are downloaded to, or put by hand (default: results/{tree}/raw)",
    )
    p.add_argument(
        "--mirror",
        metavar="URL_OR_DIR",
        help="fetch each archive from URL_OR_DIR/{dataset}/{file} instead of its host (the "
        "md5s stay the real ones; default: $GANREPRO_MIRROR, which the workflow's "
        "`--config mirror=...` sets)",
    )
    p.add_argument(
        "--archives",
        metavar="DIR",
        help="the rehearsal's: serve DIR (`ganrepro rehearse archives`) on 127.0.0.1 for this "
        "download and check each file against DIR/manifest.json",
    )
    p.set_defaults(func=cmd_data_prepare)
    p = data.add_parser("serve", help="serve a folder of archives on 127.0.0.1 (a mirror)")
    p.add_argument("folder", help="a folder laid out as {dataset}/{file}")
    p.add_argument("--port", type=int, default=8765, help="(default: %(default)s)")
    p.set_defaults(func=cmd_data_serve)

    rh = sub.add_parser("rehearse", help="the full-scale rehearsal's inputs (docs/rehearsal.md)")
    rh = rh.add_subparsers(dest="rehearse_cmd", required=True)
    p = rh.add_parser(
        "archives",
        help="write a real dataset's archives in its real format at the real split sizes "
        "(synthetic images), with a manifest of their md5s",
    )
    p.add_argument("dataset", help="mnist, cifar10 or stl10")
    p.add_argument("--out", required=True, help="folder ({dataset}/{file}, manifest.json)")
    _params_args(p)
    p.set_defaults(func=cmd_rehearse_archives)
    p = rh.add_parser(
        "inception",
        help="write Inception weights in torch-fidelity's format with random values (a real "
        "run refuses them)",
    )
    p.add_argument("--out", required=True, help="the .pth file")
    _params_args(p)
    p.set_defaults(func=cmd_rehearse_inception)
    return parser


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
    import re

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

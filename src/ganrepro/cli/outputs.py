"""Commands that draw or serve results: samples, sample, tensorboard, figure, table, report."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ganrepro import layout
from ganrepro.cli.common import UsageError, _device, _load, snakemake_hint
from ganrepro.cli.steps import _checkpoint, _classify


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


def _make_output(args, book: str, make) -> None:
    """One figure or table of the catalog (``args.figure``/``args.table``: source/name),
    drawn by ``make(out, source, params, files, dest)`` from its declared ``--inputs``."""
    from ganrepro.layout import Files
    from ganrepro.outputs import catalog

    params = _load(args)
    source, _, name = getattr(args, book).partition("/")
    out = catalog.get(book, source, name)
    make(out, source, params, Files(layout.of(params), args.inputs), Path(args.out))


def cmd_figure(args) -> None:
    from ganrepro.outputs.figures import draw

    _make_output(args, "figure", draw)
    print(f"wrote {args.out}")


def cmd_table(args) -> None:
    from ganrepro.outputs.tables import tabulate

    _make_output(args, "table", tabulate)
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

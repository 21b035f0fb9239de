"""The pipeline's compute steps: train, classifier, stats, evaluate, visuals."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ganrepro import layout
from ganrepro.cli.common import (
    UsageError,
    _check_seed_index,
    _device,
    _load,
    _made_by_workflow,
    snakemake_hint,
)


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

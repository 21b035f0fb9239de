"""``ganrepro evaluate``: a run's metrics at each periodic checkpoint (the curves) and at the
end, against reference statistics computed beforehand; written to ``metrics.json`` with the
protocol next to the numbers and the run's training status carried over. It reads the training
outputs it is given (checkpoint, summary, log, periodic checkpoints), nothing else of the run
folder; the figures' sample arrays are ``ganrepro visuals``'s.

Besides the final checkpoint (``final``, ``final_test``) it scores:

- ``best``: the periodic checkpoint with the lowest curve FID of the first extractor (train
  split: the test split never selects), with the final protocol; null for a diverged run or
  one without a curve;
- ``final_draws``: the final checkpoint against the train statistics for ``evaluation.draws``
  latent draws (seeds ``evaluation.seed + i``; draw 0 is ``final``), the spread a single
  draw hides;
- ``reference.{extractor}.floor``: the real-data floor from the statistics file (real images
  against each split's statistics with the final sample counts).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import torch

from ganrepro import layout
from ganrepro.config.types import EvaluationConfig, RunConfig
from ganrepro.evaluate.classifier import per_class_accuracy
from ganrepro.evaluate.extractors import Extractor
from ganrepro.evaluate.metrics import all_metrics, white_fraction
from ganrepro.evaluate.sampling import Sampler
from ganrepro.evaluate.stats import load_stats
from ganrepro.io import read_run_json, write_json
from ganrepro.outputs.runs import loss_summary
from ganrepro.train import checkpoint


def _score(
    sampler: Sampler,
    n: int,
    ev: EvaluationConfig,
    extractors: list[Extractor],
    refs: dict[str, dict],
    seed: int | None = None,
) -> tuple[dict, dict]:
    """Metrics of ``n`` samples (latent seed ``seed``, default ``ev.seed``) against ``refs``."""
    images, labels = sampler.sample(n, ev.seed if seed is None else seed)
    out, feats = {"white_fraction": white_fraction(images)}, {}
    for ex in extractors:
        feats[ex.name] = ex.features(images)
        out[ex.name] = all_metrics(
            feats[ex.name],
            refs[ex.name],
            kid_subsets=ev.kid_subsets,
            kid_subset_size=ev.kid_subset_size,
            is_splits=ev.is_splits,
        )
    if labels is not None and "classifier" in feats:  # do samples show their class?
        pred = feats["classifier"]["logits"].argmax(1).numpy()
        out["classifier"]["class_accuracy"] = per_class_accuracy(
            pred, labels.numpy(), sampler.n_classes
        )
        out["classifier"]["accuracy"] = float((pred == labels.numpy()).mean())
    return out, feats


def select_best(curve: list[dict], extractor: str, status: str) -> int | None:
    """The step of the curve point with the lowest FID of ``extractor`` (the curve is scored
    against the train statistics only; the earliest step wins a tie); None for a diverged run,
    an empty curve or one without a finite FID."""
    if status == "diverged":
        return None
    scored = [
        (c[extractor]["fid"], c["step"])
        for c in curve
        if math.isfinite(c.get(extractor, {}).get("fid", math.nan))
    ]
    return min(scored)[1] if scored else None


def _draws(first: dict, more: list[dict]) -> dict:
    """Per-draw lists of every metric of ``final`` (draw 0) and the further draws."""
    runs = [first, *more]
    return {
        k: (
            [r[k] for r in runs]
            if not isinstance(v, dict)
            else {m: [r[k][m] for r in runs] for m in v}
        )
        for k, v in first.items()
    }


def _epochs(log_csv: Path) -> dict[int, float]:
    """Step -> epoch (passes over the training data) from the run's log."""
    with open(log_csv, newline="") as fh:
        return {int(row["step"]): float(row["epoch"]) for row in csv.DictReader(fh)}


def train_files(trained: str | Path | dict[str, Path]) -> dict[str, Path]:
    if isinstance(trained, dict):
        missing = [k for k in layout.EVALUATED if k not in trained]
        if missing:
            raise ValueError(f"training outputs missing: {', '.join(missing)}")
        return {k: Path(trained[k]) for k in layout.EVALUATED}
    return {k: Path(trained) / layout.RUN_FILES[k] for k in layout.EVALUATED}


def _references(run: RunConfig, stats_path, extractors: list[Extractor]) -> tuple[dict, dict]:
    """The train and test reference statistics of ``run``'s data, per extractor."""
    rh = bool(run.rehearsal)
    refs = {ex.name: load_stats(stats_path, ex, "train", run.data, rh) for ex in extractors}
    tests = {ex.name: load_stats(stats_path, ex, "test", run.data, rh) for ex in extractors}
    return refs, tests


def _final_scores(
    sampler: Sampler, ev: EvaluationConfig, extractors: list[Extractor], refs: dict, tests: dict
) -> tuple[dict, dict | None]:
    """``final`` (against the train split) and ``final_test`` of the sampler's checkpoint. A
    run that trained on the test split (acwgan/stl10: the AC head needs STL-10's 13k labelled
    images) has no held-out images: no "test" metrics rather than misleading ones."""
    final, _ = _score(sampler, ev.n_samples, ev, extractors, refs)
    if "test" in sampler.run.splits:
        return final, None
    return final, _score(sampler, ev.n_samples_test, ev, extractors, tests)[0]


def evaluate_run(
    run: RunConfig,
    trained: str | Path | dict[str, Path],
    stats_path: str | Path,
    out: str | Path,
    extractors: list[Extractor],
    ev: EvaluationConfig,
    device="cpu",
) -> dict:
    """``trained``: the training outputs by name (checkpoint, summary, log, ckpt), or a run
    folder holding them under the layout's names."""
    files = train_files(trained)
    train = read_run_json(files["summary"])
    refs, tests = _references(run, stats_path, extractors)
    torch.manual_seed(ev.seed)

    epoch_at = _epochs(files["log"])
    curve, scored = [], 0  # scored: generated images, what the evaluation's cost grows with
    for step, path in checkpoint.checkpoints_in(files["ckpt"]):
        if step > train["steps_done"]:  # past a divergence: not part of this run's curve
            continue
        sampler = Sampler(run, path, device)
        metrics, _ = _score(sampler, ev.n_samples_curve, ev, extractors, refs)
        scored += sampler.drawn
        curve.append({"step": step, "epoch": epoch_at.get(step, 0.0), **metrics})

    final_sampler = Sampler(run, files["checkpoint"], device)
    final, final_test = _final_scores(final_sampler, ev, extractors, refs, tests)
    trained_on_test = "test" in run.splits
    # the same checkpoint, other latent draws: draw 0 is ``final`` itself
    final_draws = _draws(
        final,
        [
            _score(final_sampler, ev.n_samples, ev, extractors, refs, ev.seed + i)[0]
            for i in range(1, ev.draws)
        ],
    )

    primary = extractors[0].name
    best_step = select_best(curve, primary, train["status"])
    best = None
    if best_step is not None:
        if best_step == final_sampler.step:
            best_final, best_test = final, final_test
        else:
            path = dict(checkpoint.checkpoints_in(files["ckpt"]))[best_step]
            sampler = Sampler(run, path, device)
            best_final = _score(sampler, ev.n_samples, ev, extractors, refs)[0]
            best_test = (
                None
                if trained_on_test
                else _score(sampler, ev.n_samples_test, ev, extractors, tests)[0]
            )
            scored += sampler.drawn
        best = {
            "step": best_step,
            "selected_by": f"lowest train-split FID ({primary}) over the periodic checkpoints, "
            f"{ev.n_samples_curve} samples; the test split is never used to select",
            "final": best_final,
            "final_test": best_test,
        }
    result = {
        "run_id": run.id,
        # the full-scale rehearsal's marks (train.json's, and the sample counts)
        **(
            {"rehearsal": {**train.get("rehearsal", {}), "samples": ev.n_samples}}
            if run.rehearsal
            else {}
        ),
        "status": train["status"],
        "reason": train["reason"],
        "seed": train["seed"],
        "config_hash": run.hash(),
        "step": final_sampler.step,
        "total_steps": train["total_steps"],
        "wall_time_s": train["wall_time_s"],
        "images_per_s": train["images_per_s_median"],
        "data": run.data,
        "final": final,
        "final_test": final_test,
        "best": best,
        "final_draws": final_draws,
        "trained_on_test": trained_on_test,
        "images_scored": scored + final_sampler.drawn,  # through every extractor
        "curve": curve,
        "losses": loss_summary(files["log"]),  # the stability claims read these, not log.csv
        "reference": {
            **{
                ex.name: {
                    "train_is": [float(v) for v in refs[ex.name]["is"]],
                    "test_is": [float(v) for v in tests[ex.name]["is"]],
                    "floor": {"train": refs[ex.name]["floor"], "test": tests[ex.name]["floor"]},
                }
                for ex in extractors
            },
            "white_fraction": refs[extractors[0].name]["white"],
        },
        "protocol": {
            "extractors": {ex.name: ex.protocol() for ex in extractors},
            "n_samples": ev.n_samples,
            "n_samples_test": ev.n_samples_test,
            "n_samples_curve": ev.n_samples_curve,
            "draws": ev.draws,
            "reference_split": {
                "final": "train",
                "final_test": None if trained_on_test else "test",
                "curve": "train",
            },
            "n_reference": {
                "train": refs[extractors[0].name]["n"],
                "test": tests[extractors[0].name]["n"],
            },
            "sample_seed": ev.seed,
            "quantisation": "uint8 (round to nearest)",
            "is_splits": ev.is_splits,
            "kid_subsets": ev.kid_subsets,
            "kid_subset_size": ev.kid_subset_size,
            "prc_neighbourhood": 3,
            "batchnorm": "eval mode (running statistics)",
            "labels": "balanced: sample i has class i mod 10"
            if final_sampler.conditional
            else None,
        },
    }
    write_json(out, result)
    return result


def evaluate_checkpoint(
    run: RunConfig,
    ckpt: str | Path,
    stats_path: str | Path,
    out: str | Path,
    extractors: list[Extractor],
    ev: EvaluationConfig,
    device="cpu",
) -> dict:
    """One checkpoint on its own (one copied from another machine without its run folder):
    the metrics of :func:`evaluate_run`'s ``final`` and ``final_test``, with the same samples
    and reference statistics, and no curve, best checkpoint or training summary."""
    refs, tests = _references(run, stats_path, extractors)
    torch.manual_seed(ev.seed)
    sampler = Sampler(run, ckpt, device)
    final, final_test = _final_scores(sampler, ev, extractors, refs, tests)
    result = {
        "run_id": run.id,
        "scope": "checkpoint",  # not a run folder's metrics.json: no curve, no best
        "checkpoint": str(ckpt),
        "config_hash": run.hash(),
        "step": sampler.step,
        "data": run.data,
        "final": final,
        "final_test": final_test,
        "trained_on_test": "test" in run.splits,
        "images_scored": sampler.drawn,
        "protocol": {
            "extractors": {ex.name: ex.protocol() for ex in extractors},
            "n_samples": ev.n_samples,
            "n_samples_test": ev.n_samples_test,
            "sample_seed": ev.seed,
        },
    }
    write_json(out, result)
    return result

"""Drawing the figures of the catalog from run files: saved arrays, logs and metrics only
(the sample figures draw the run's sample arrays), so no figure imports torch. Every file is
read through a :class:`ganrepro.layout.Files`, so a figure reads only its declared inputs."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from ganrepro import layout
from ganrepro.config.types import Params
from ganrepro.io import read_run_json
from ganrepro.layout import Files
from ganrepro.outputs import catalog
from ganrepro.outputs.catalog import Output
from ganrepro.outputs.runs import final_losses, mean_std, metrics, primary_extractor, read_log
from ganrepro.plots import image_panel, plt, samples, save_figure

METRIC_LABELS = catalog.CURVE_METRICS


def _scale_note(params: Params) -> str:
    if params.rehearsal:
        return f" [{params.label}: {params.rehearsal.steps} steps, not comparable]"
    return f" [{params.scale} scale, stand-in data]" if params.standins else ""


def draw(out: Output, source: str, params: Params, files: Files, dest: Path) -> None:
    """The figure ``out`` of ``source``, by its kind's code (``catalog.KINDS``)."""
    catalog.maker(out.kind)(out, source, params, files, dest, out.title + _scale_note(params))


def sample_figure(out: Output, source, params, files, dest, title) -> None:
    """Seed 0's sample arrays of the kind's part, drawn by :mod:`ganrepro.plots.samples`
    (``paired``: beside real images of the same labels)."""
    run_id = f"{source}/{out.runs[0]}"
    real = None
    if out.kind == "paired":
        from ganrepro.data.store import load as load_dataset

        ds = load_dataset(files.get(files.tree.data(params.run(run_id).data)), ("train",))
        real = (ds.x, ds.y)
    arrays = _samples(params, files, run_id, layout.PART_OF_KIND[out.kind])
    samples.draw(out.kind, arrays, dest, title, real)


def _samples(params: Params, files: Files, run_id: str, part: str) -> dict[str, np.ndarray]:
    """Seed 0's sample arrays ``part`` (a name of ``layout.PARTS``) of a run, refused if another
    run or configuration wrote them."""
    run = params.run(run_id)
    return samples.load_samples(files.run(run_id, 0, part), run.id, run.hash())


def _status(files: Files, run_id: str) -> str:
    status = read_run_json(files.run(run_id, 0, "summary"))["status"]
    return "" if status == "completed" else f" ({status})"


def grids(out: Output, source, params, files, dest, title) -> None:
    n, nrow = out.options["n"], out.options["nrow"]
    cols = min(len(out.runs), 4)
    rows = math.ceil(len(out.runs) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.5 * rows), squeeze=False)
    for ax, name in zip(axes.flat, out.runs, strict=False):
        run_id = f"{source}/{name}"
        x = _samples(params, files, run_id, layout.PART_OF_KIND["grids"])["sample"][:n]
        image_panel(ax, x, nrow, f"{name}{_status(files, run_id)}")
    for ax in axes.flat[len(out.runs) :]:
        ax.axis("off")
    fig.suptitle(title)
    save_figure(fig, dest)


def steps(out: Output, source, params, files, dest, title) -> None:
    run_id = f"{source}/{out.runs[0]}"
    pngs = sorted(files.run(run_id, 0, "grids").glob("step_*.png"))  # in a declared folder
    fig, axes = plt.subplots(
        1, max(len(pngs), 1), figsize=(3.6 * max(len(pngs), 1), 4), squeeze=False
    )
    for ax, path in zip(axes.flat, pngs, strict=False):
        ax.imshow(np.asarray(Image.open(path)))
        ax.set_title(f"step {int(path.stem.split('_')[1])}")
        ax.axis("off")
    if not pngs:
        axes.flat[0].text(0.5, 0.5, "no periodic checkpoint reached", ha="center")
        axes.flat[0].axis("off")
    fig.suptitle(f"{title}{_status(files, run_id)}")
    save_figure(fig, dest)


def losses(out: Output, source, params, files, dest, title) -> None:
    run_id = f"{source}/{out.runs[0]}"
    log = read_log(files.run(run_id, 0, "log"))
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label in (
        ("loss_d", "discriminator / critic loss"),
        ("loss_g", "generator loss"),
        ("wdist", "Wasserstein estimate D(real) - D(fake)"),
    ):
        if key in log and not all(math.isnan(v) for v in log[key]):
            if key == "wdist" and params.run(run_id).objective.loss != "wasserstein":
                continue
            ax.plot(log["step"], log[key], label=label, lw=1)
    ax.set_xlabel("generator iteration")
    ax.set_ylabel("loss")
    ax.set_title(f"{title}{_status(files, run_id)}")
    ax.legend()
    ax.grid(alpha=0.3)
    save_figure(fig, dest)


def metric_curves(out: Output, source, params, files, dest, title) -> None:
    key = out.options["metric"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    extractor = None
    for name in out.runs:
        run_id = f"{source}/{name}"
        ms = metrics(files, run_id, params.seeds_for(run_id))
        extractor = extractor or primary_extractor(ms[0])
        log = read_log(files.run(run_id, 0, "log"))
        epoch_of = dict(zip(log["step"], log["epoch"], strict=True))
        # a diverged seed's curve stops early: every seed's checkpoints, NaN where one has none
        steps = sorted({c["step"] for m in ms for c in m["curve"]})
        for m in ms:
            for c in m["curve"]:
                epoch_of.setdefault(float(c["step"]), c.get("epoch", math.nan))
        xs = [0.0 if s == 0 else epoch_of.get(float(s), math.nan) for s in steps]
        at = [{c["step"]: c[extractor][key] for c in m["curve"]} for m in ms]
        ys = np.array([[a.get(s, math.nan) for s in steps] for a in at], dtype=float)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a step no seed reached
            mean, sd = np.nanmean(ys, 0), np.nanstd(ys, 0)
        gone = sum(m["status"] != "completed" for m in ms)
        tag = (
            "" if not gone else f" ({gone} of {len(ms)} diverged)" if len(ms) > 1 else " (diverged)"
        )
        (line,) = ax.plot(xs, mean, marker="o", ms=3, label=f"{name}{tag}")
        if len(ms) > 1:
            ax.fill_between(xs, mean - sd, mean + sd, alpha=0.2, color=line.get_color())
        for a in at if gone else ():
            last = max(a)  # where each seed's curve ends
            if last < steps[-1]:
                i = steps.index(last)
                ax.plot(xs[i : i + 1], mean[i : i + 1], "x", ms=10, color=line.get_color())
        if gone and len(ms) == 1:
            ax.plot(xs[-1:], mean[-1:], "x", ms=10, color=line.get_color())
    name = "classifier" if extractor == "classifier" else "Inception"
    ax.set_xlabel("epoch (passes of the critic over the training data)")
    ax.set_ylabel(f"{METRIC_LABELS[key]}, {name} features")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save_figure(fig, dest)


def study_trend(out: Output, source, params, files, dest, title) -> None:
    names = list(out.runs)
    d, g, f, f_err = [], [], [], []
    for name in names:
        run_id = f"{source}/{name}"
        loss = final_losses(files.run(run_id, 0, "log"))
        d.append(loss.get("d_loss", math.nan))
        g.append(loss.get("g_loss", math.nan))
        ms = metrics(files, run_id, params.seeds_for(run_id))
        m, s = mean_std([x["final"][primary_extractor(x)]["fid"] for x in ms])
        f.append(m)
        f_err.append(s or 0.0)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    xs = range(len(names))
    ax1.plot(xs, d, "o-", label="D loss")
    ax1.plot(xs, g, "s-", label="G loss")
    ax1.set_ylabel("final loss (mean of the last 10% of steps)")
    ax2.errorbar(xs, f, yerr=f_err, fmt="o-", color="C2", capsize=3)
    ax2.set_ylabel("FID (lower is better)")
    for ax in (ax1, ax2):
        ax.set_xticks(list(xs))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        ax.set_xlabel("setting")
        ax.grid(alpha=0.3)
    ax1.legend()
    fig.suptitle(title)
    save_figure(fig, dest)


def divergence(out: Output, source, params, files, dest, title) -> None:
    fig, ax = plt.subplots(figsize=(7, 4))
    guard = None
    for name in out.runs:
        run = params.run(f"{source}/{name}")
        guard = run.cfg.guard
        log = read_log(files.run(run.id, 0, "log"))
        ax.plot(log["step"], log["gap"], marker=".", label=f"{name}{_status(files, run.id)}")
    ax.axhline(guard, color="red", ls="--", label=f"guard ({guard})")
    ax.set_yscale("symlog")
    ax.set_xlabel("stage")
    ax.set_ylabel("|mean D(real) - mean D(fake)|")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save_figure(fig, dest)

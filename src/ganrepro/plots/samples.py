"""Drawing the sample arrays of a run (``samples.npz``, see ``ganrepro.evaluate.visuals`` for
how they are sampled): the random grid, the latent interpolation, the cherry-picks and the paired
real/fake grid. numpy and matplotlib only."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganrepro.plots import image_panel, plt, save_figure


class SamplesMismatch(ValueError):
    """A samples.npz of another run or configuration."""


def load_samples(
    path: str | Path, run_id: str | None = None, config_hash: str | None = None
) -> dict[str, np.ndarray]:
    """The arrays of ``path``; with ``run_id`` and ``config_hash``, refused unless they are the
    samples of that run under that configuration."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no sample arrays (run `ganrepro visuals` first)")
    with np.load(path, allow_pickle=False) as z:
        s = {k: z[k] for k in z.files}
    if run_id is not None and str(s["run_id"]) != run_id:
        raise SamplesMismatch(f"{path} holds samples of {s['run_id']}, not of {run_id}")
    if config_hash is not None and str(s["config_hash"]) != config_hash:
        raise SamplesMismatch(
            f"{path} was written by a different configuration of {run_id}: rerun "
            "`ganrepro visuals` for it"
        )
    return s


def _row_names(s: dict[str, np.ndarray], labels: np.ndarray) -> list[str] | None:
    """Class names of the rows' labels; None for a run without labels."""
    if (labels < 0).any():
        return None
    return [str(s["class_names"][c]) for c in labels]


def grid(s: dict[str, np.ndarray], out: str | Path, title: str) -> None:
    """10x10 samples: one row per class for conditional runs."""
    fig, ax = plt.subplots(figsize=(6, 6))
    image_panel(ax, s["grid"], 10, title, _row_names(s, s["grid_y"][::10]))
    save_figure(fig, out)


def interpolation(s: dict[str, np.ndarray], out: str | Path, title: str) -> None:
    steps = int(s["interpolation_steps"])
    rows = len(s["interpolation"]) // steps
    fig, ax = plt.subplots(figsize=(steps * 0.6, rows * 0.65))
    image_panel(
        ax,
        s["interpolation"],
        steps,
        f"{title} ({s['interpolation_method']}, left to right)",
        _row_names(s, s["interpolation_y"][::steps]),
    )
    save_figure(fig, out)


def cherry(s: dict[str, np.ndarray], out: str | Path, title: str) -> None:
    if "cherry" not in s:
        raise ValueError(
            "no cherry-picks in the samples: run `ganrepro visuals --part cherry` "
            "with a domain classifier"
        )
    per_class = int(s["per_class"])
    fig, ax = plt.subplots(figsize=(per_class * 0.6, 6.5))
    image_panel(
        ax,
        s["cherry"],
        per_class,
        f"{title}\nhighest critic score per class",
        [str(n) for n in s["class_names"]],
    )
    save_figure(fig, out)


def real_like(real_x: np.ndarray, real_y: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """For each label in ``labels``, in order, the next real image of that class (the first n
    images of class c for the n times c appears)."""
    picked = np.empty(len(labels), np.int64)
    for c in np.unique(labels):
        slots = np.flatnonzero(labels == c)
        idx = np.flatnonzero(real_y == c)[: len(slots)]
        if len(idx) < len(slots):
            raise ValueError(f"the dataset has {len(idx)} images of class {c}, {len(slots)} needed")
        picked[slots] = idx
    return real_x[picked]


def paired(
    s: dict[str, np.ndarray], real_x: np.ndarray, real_y: np.ndarray, out: str | Path, title: str
) -> None:
    """Real images and generated ones with the same labels, side by side (agarwal's cgan)."""
    per_class = int(s["per_class"])
    names = _row_names(s, s["paired_y"][::per_class])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(per_class * 1.2, 6.5))
    image_panel(ax1, real_like(real_x, real_y, s["paired_y"]), per_class, "real", names)
    image_panel(ax2, s["paired"], per_class, "generated (same labels)", names)
    fig.suptitle(title)
    save_figure(fig, out)


KINDS = {"grid": grid, "interpolation": interpolation, "cherry": cherry, "paired": paired}


def draw(
    kind: str,
    s: dict[str, np.ndarray],
    out: str | Path,
    title: str,
    real: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """The ``kind`` figure of one run's samples; ``real``: the dataset's (x, y) for ``paired``."""
    if kind == "paired":
        if real is None:
            raise ValueError("a paired real/fake grid needs the real dataset")
        paired(s, *real, out, title)
    else:
        KINDS[kind](s, out, title)

"""Where every file of the pipeline lives: the one place the results layout is written.

The job table (:mod:`ganrepro.jobs`), the Snakemake rules, ``dvc.yaml`` and the commands all
take their paths from here. Paths are relative to the project root, as the workflow runs.

A run's seed 0 lives at SPEC's ``results/runs/{source}/{run}/``, seed k >= 1 in its
``seed{k}/`` subfolder. What a run folder holds is :data:`RUN_FILES`, by the name the code uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

RAW = "results/raw"
REPORT = "results/report/index.html"

# name -> file in a run folder, grouped by the job that writes it
RUN_FILES: dict[str, str] = {
    # train
    "checkpoint": "checkpoint.pt",
    "summary": "train.json",
    "config": "config.yaml",
    "preview": "samples.png",
    "log": "log.csv",
    "ckpt": "ckpt",  # periodic checkpoints step_*.pt (a folder)
    "grids": "grids",  # a fixed latent batch at each periodic checkpoint, step_*.png (a folder)
    "tb": "tb",  # TensorBoard events (a folder)
    # (training's resumable state lives in the run's state/ folder, which no job declares: the
    # folders above are published from it when the run ends; see ganrepro.train.run)
    # evaluate
    "metrics": "metrics.json",
}
# the parts `ganrepro visuals` writes (the sample arrays figures draw, seed 0 of the runs they
# draw), with the evaluation settings each reads (the job table hashes them), and which part
# each sample figure kind draws
PART_SETTINGS = {
    "samples": ("seed",),
    "interpolation": ("seed", "interpolation", "interpolation_steps"),
    "cherry": ("seed", "cherry_pool"),
}
PARTS = tuple(PART_SETTINGS)
RUN_FILES |= {part: f"{part}.npz" for part in PARTS}
TRAIN_OUTPUTS = ("checkpoint", "summary", "config", "preview", "log", "ckpt", "grids", "tb")
EVALUATED = ("checkpoint", "summary", "log", "ckpt")  # the training outputs evaluate reads
DIRECTORIES = ("ckpt", "grids", "tb")  # outputs that are folders
PART_OF_KIND = {
    "grid": "samples",
    "grids": "samples",
    "paired": "samples",
    "interpolation": "interpolation",
    "cherry": "cherry",
}


def data(name: str) -> str:
    return f"results/data/{name}.npz"


def classifier(name: str) -> str:
    return f"results/classifiers/{name}.pt"


def stats(name: str) -> str:
    return f"results/stats/{name}.npz"


def seed_suffix(k: int | str) -> str:
    """ "" for seed 0, "/seed{k}" for seed k >= 1 (a str ``k`` is a wildcard: "/seed{k}")."""
    if isinstance(k, str):
        return f"/seed{k}"
    if k < 0:
        raise ValueError(f"seed index {k} < 0")
    return f"/seed{k}" if k else ""


def run_dir(run_id: str, k: int | str = 0) -> str:
    return f"results/runs/{run_id}{seed_suffix(k)}"


def run_file(run_id: str, k: int | str, what: str) -> str:
    """``what`` (a key of :data:`RUN_FILES`) of seed ``k`` of ``run_id``."""
    try:
        return f"{run_dir(run_id, k)}/{RUN_FILES[what]}"
    except KeyError:
        raise KeyError(f"no run file {what!r} (known: {', '.join(RUN_FILES)})") from None


def part_file(run_id: str, part: str) -> str:
    """A sample part of seed 0 (``part`` may be the wildcard "{part}")."""
    return f"{run_dir(run_id)}/{part}.npz"


def figure(source: str, name: str) -> str:
    return f"results/figures/{source}/{name}.png"


def table(source: str, name: str) -> str:
    return f"results/tables/{source}/{name}.csv"


def table_md(source: str, name: str) -> str:
    return f"results/tables/{source}/{name}.md"


def settings_stamp(job: str, config_hash: str) -> str:
    """The file holding the settings a job reads (one per distinct value, named by its hash)."""
    return f"results/settings/{job}/{config_hash}.json"


class UndeclaredInput(LookupError):
    """A command asked for a file it was not given as an input."""


class Files:
    """The files a command may read. Given ``declared`` (the command's ``--inputs``), asking
    for any other file is an error naming it, so a job reads nothing its rule or stage does not
    declare. ``root`` is where the layout's relative paths start (tests use a temporary one)."""

    def __init__(self, declared: Iterable[str | Path] | None = None, root: str | Path = "."):
        self.root = Path(root)
        self.declared = None if declared is None else {_norm(p) for p in declared}

    def get(self, rel: str) -> Path:
        if self.declared is not None and _norm(rel) not in self.declared:
            raise UndeclaredInput(f"{rel} is read but is not among this command's --inputs")
        return self.root / rel

    def has(self, rel: str) -> bool:
        """Declared (or, with no declaration, present on disk)."""
        if self.declared is not None:
            return _norm(rel) in self.declared
        return (self.root / rel).exists()

    def run(self, run_id: str, k: int, what: str) -> Path:
        return self.get(run_file(run_id, k, what))


def _norm(p: str | Path) -> str:
    return str(PurePosixPath(Path(p).as_posix()))

"""Where every file of the pipeline lives: the one place the results layout is written.

The job table (:mod:`ganrepro.jobs`), the Snakemake rules, ``dvc.yaml`` and the commands all
take their paths from here. Paths are relative to the project root, as the workflow runs.

Each scale has its own tree, ``results/{scale}/``, and the full-scale rehearsal one more,
``results/rehearsal/`` (:class:`Tree`): no scale ever overwrites another's files. Within a
tree, SPEC's layout: a run's seed 0 lives at ``runs/{source}/{run}/``, seed k >= 1 in its
``seed{k}/`` subfolder. What a run folder holds is :data:`RUN_FILES`, by the name the code uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

TREES = ("quick", "small", "full", "rehearsal")  # one results tree each: none shares a file

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


# the rule whose job writes each run file (a damaged one is fixed by rerunning that job)
WRITER = {name: "train" for name in TRAIN_OUTPUTS} | {"metrics": "evaluate"}
WRITER |= {part: "visuals" for part in PARTS}


def rerun_hint(path: str | Path) -> str:
    """What fixes a damaged run file: rerunning the job that writes it, as a command
    (``results/{tree}/runs/...``; another path gets the rule's name only)."""
    parts = PurePosixPath(Path(path).as_posix()).parts
    name = next((n for n, f in RUN_FILES.items() if f == parts[-1]), None) if parts else None
    rule = WRITER.get(name or "", "the job that writes it")
    where = list(parts).index("results") if "results" in parts else -1
    if where < 0 or where + 1 >= len(parts):
        return f"rerun its rule ({rule})"
    tree = parts[where + 1]
    config = "rehearse=true" if tree == "rehearsal" else f"scale={tree}"
    target = "/".join(parts[where:])
    return f"rerun its rule ({rule}): snakemake --cores all --config {config} --force {target}"


def seed_suffix(k: int | str) -> str:
    """ "" for seed 0, "/seed{k}" for seed k >= 1 (a str ``k`` is a wildcard: "/seed{k}")."""
    if isinstance(k, str):
        return f"/seed{k}"
    if k < 0:
        raise ValueError(f"seed index {k} < 0")
    return f"/seed{k}" if k else ""


@dataclass(frozen=True)
class Tree:
    """One results tree, ``results/{name}/`` (logs in ``logs/{name}/``): a scale's, or the
    full-scale rehearsal's. Every path of a job lives in exactly one tree."""

    name: str

    def __post_init__(self):
        if self.name not in TREES:
            raise ValueError(f"no results tree {self.name!r} (known: {', '.join(TREES)})")

    @property
    def root(self) -> str:
        return f"results/{self.name}"

    @property
    def logs(self) -> str:
        return f"logs/{self.name}"

    @property
    def raw(self) -> str:
        """Downloaded archives (results/{tree}/raw/{dataset}/{file})."""
        return f"{self.root}/raw"

    @property
    def report(self) -> str:
        return f"{self.root}/report/index.html"

    @property
    def resources(self) -> str:
        """Each job's measured time and peak memory, one JSON line per job (ganrepro.measure)."""
        return f"{self.root}/resources.jsonl"

    def archives(self, dataset: str) -> str:
        """The rehearsal's real-format archives of ``dataset`` and their manifest (a folder:
        ``{dataset}/{file}``, ``manifest.json``), served to its download."""
        return f"{self.root}/archives/{dataset}"

    @property
    def inception(self) -> str:
        """The rehearsal's Inception weights: torch-fidelity's format, random values."""
        return f"{self.root}/inception/weights-inception-random.pth"

    def data(self, name: str) -> str:
        return f"{self.root}/data/{name}.npz"

    def classifier(self, name: str) -> str:
        return f"{self.root}/classifiers/{name}.pt"

    def stats(self, name: str) -> str:
        return f"{self.root}/stats/{name}.npz"

    def run_dir(self, run_id: str, k: int | str = 0) -> str:
        return f"{self.root}/runs/{run_id}{seed_suffix(k)}"

    def run_file(self, run_id: str, k: int | str, what: str) -> str:
        """``what`` (a key of :data:`RUN_FILES`) of seed ``k`` of ``run_id``."""
        try:
            return f"{self.run_dir(run_id, k)}/{RUN_FILES[what]}"
        except KeyError:
            raise KeyError(f"no run file {what!r} (known: {', '.join(RUN_FILES)})") from None

    def part_file(self, run_id: str, part: str) -> str:
        """A sample part of seed 0 (``part`` may be the wildcard "{part}")."""
        return f"{self.run_dir(run_id)}/{part}.npz"

    def figure(self, source: str, name: str) -> str:
        return f"{self.root}/figures/{source}/{name}.png"

    def table(self, source: str, name: str) -> str:
        return f"{self.root}/tables/{source}/{name}.csv"

    def table_md(self, source: str, name: str) -> str:
        return f"{self.root}/tables/{source}/{name}.md"

    def settings_stamp(self, job: str, config_hash: str) -> str:
        """The file holding the settings a job reads (one per distinct value, named by its
        hash)."""
        return f"{self.root}/settings/{job}/{config_hash}.json"

    def log(self, *parts: str) -> str:
        return "/".join((self.logs, *parts))


def tree(name: str) -> Tree:
    return Tree(name)


def of(params) -> Tree:
    """The tree of a :class:`ganrepro.config.Params` (its scale, or the rehearsal)."""
    return Tree(params.tree)


class UndeclaredInput(LookupError):
    """A command asked for a file it was not given as an input."""


class Files:
    """The files a command may read, in one results ``tree``. Given ``declared`` (the
    command's ``--inputs``), asking for any other file is an error naming it, so a job reads
    nothing its rule or stage does not declare. ``root`` is where the layout's relative paths
    start (tests use a temporary one)."""

    def __init__(
        self,
        tree: Tree,
        declared: Iterable[str | Path] | None = None,
        root: str | Path = ".",
    ):
        self.tree = tree
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
        return self.get(self.tree.run_file(run_id, k, what))


def _norm(p: str | Path) -> str:
    return str(PurePosixPath(Path(p).as_posix()))

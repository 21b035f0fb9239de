"""Frozen dataclasses for a validated, scale-resolved params.yaml.

Functions take the sub-config they need (a RunConfig, a ModelConfig...), never the raw dict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModelConfig:
    """Architecture settings; fields an architecture does not read stay ``None``
    (config/usage.py says which read which)."""

    arch: str
    z_dim: int
    conditioning: str  # none | embed | onehot | cbn
    init: str  # default | dcgan (N(0, 0.02)) | kaiming
    width: int | None = None
    g_width: int | None = None  # dcgan: the generator's width when it differs from the critic's
    d_norm: str | None = None
    embed_dim: int | None = None
    g_hidden: tuple[int, ...] | None = None
    g_act: str | None = None
    g_out: str | None = None  # mlp: tanh | sigmoid (dcgan and resnet end in tanh)
    d_hidden: tuple[int, ...] | None = None
    d_act: str | None = None
    maxout_pieces: tuple[int, ...] | None = None
    dropout: float | None = None
    g_branches: tuple[int, ...] | None = None
    d_branches: tuple[int, ...] | None = None

    @property
    def conditional(self) -> bool:
        return self.conditioning != "none"


@dataclass(frozen=True)
class ACConfig:
    d: float  # weight of the classification loss in the critic's loss
    g: float  # ... and in the generator's


@dataclass(frozen=True)
class ObjectiveConfig:
    loss: str  # bce | wasserstein | logistic
    # wasserstein only: gradient-penalty weight lambda and weight-clipping bound c (0: none)
    gp: float | None = None
    clip: float | None = None
    ac: ACConfig | None = None
    # bce only: the targets of real and fake images for D, and of fake images for G (one-sided
    # label smoothing: 0.9 / 0.1 / 0.9 in frank's notebook); 1 / 0 / 1 is plain BCE
    real_label: float | None = None
    fake_label: float | None = None
    g_label: float | None = None


@dataclass(frozen=True)
class OptimConfig:
    name: str  # adam | rmsprop
    lr: float
    eps: float
    lr_decay: str | None = None  # adversarial: none | linear (to 0 over the run)
    betas: tuple[float, float] | None = None  # adam
    alpha: float | None = None  # rmsprop


@dataclass(frozen=True)
class ScheduleConfig:
    batch_size: int
    n_critic: int | None = None  # adversarial
    g_batch_size: int | None = None  # adversarial; None: batch_size
    epochs: float | None = None
    iterations: int | None = None
    stages: int | None = None
    # critic steps of one generator iteration draw one real batch (True: the WGAN-GP tutorial
    # agarwal follows), so an epoch is N / batch_size generator iterations
    reuse_real: bool | None = None


@dataclass(frozen=True)
class EvalConfig:
    checkpoints: int  # periodic checkpoints kept (and evaluated) over the run


@dataclass(frozen=True)
class CFGConfig:
    T: int
    U: int
    eta: float
    approx_n: int
    approx_epochs: int
    approx_batch_size: int
    approx_lr: float
    approx_decay: float
    approx_max_decays: int
    guard: float
    guard_after: int  # stages run before the guard acts (cfggan.py:50: from stage 2000)


@dataclass(frozen=True)
class RunConfig:
    source: str
    name: str
    trainer: str
    dataset: str  # as named in params (a real dataset at full scale)
    data: str  # the dataset actually loaded: the stand-in when stand-ins are on
    splits: tuple[str, ...]
    model: ModelConfig
    objective: ObjectiveConfig
    optim: OptimConfig
    schedule: ScheduleConfig
    eval: EvalConfig
    cfg: CFGConfig | None = None
    # the full-scale rehearsal: training stops after this many generator iterations (CFG-GAN:
    # stages) of the schedule above, which is otherwise unchanged (its lr decay included);
    # None for a real run. A rehearsal run's hash differs from the real run's.
    rehearsal: int | None = None

    @property
    def id(self) -> str:
        return f"{self.source}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.rehearsal is None:  # a real run's dict (and hash) are what they were before
            del d["rehearsal"]
        return d

    def flat(self) -> dict[str, Any]:
        """Every leaf of :meth:`to_dict` under its dotted path, e.g. ``optim.lr``."""

        def walk(d: dict, prefix: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for k, v in d.items():
                if isinstance(v, dict):
                    out.update(walk(v, f"{prefix}{k}."))
                else:
                    out[f"{prefix}{k}"] = v
            return out

        return walk(self.to_dict(), "")

    def hash(self) -> str:
        """Hash of everything that changes the run's results (checkpoints record it)."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class DatasetsConfig:
    photos_per_class: int
    digits_test_fraction: float
    photos_test_fraction: float
    stl10_unlabeled: bool


@dataclass(frozen=True)
class EvaluationConfig:
    extractors: tuple[str, ...]  # inception (needs local weights) and/or classifier
    n_samples: int
    n_samples_test: int
    n_samples_curve: int
    draws: int  # latent draws the final checkpoint is scored with (the spread)
    n_reference: int
    kid_subsets: int
    kid_subset_size: int
    is_splits: int
    seed: int
    inception_weights: str | None
    interpolation: str  # linear | slerp
    interpolation_steps: int
    cherry_pool: int


@dataclass(frozen=True)
class Resources:
    gpu: int
    gpu_model: str  # SLURM's GPU type; "": any
    threads: int
    mem_mb: int
    runtime: int  # minutes


@dataclass(frozen=True)
class SizingConfig:
    """params.yaml's ``resources.sizing``: how a full-scale job's resources follow from the
    rehearsal's measurements (:mod:`ganrepro.sizing`)."""

    time_margin: float
    mem_margin: float
    min_runtime: int  # minutes
    max_runtime: int  # minutes: the partition's limit


@dataclass(frozen=True)
class ClassifierConfig:
    width: int
    epochs: int
    lr: float
    batch_size: int
    max_steps: int | None = None  # the rehearsal's: stop after this many optimiser steps


@dataclass(frozen=True)
class RehearsalConfig:
    """params.yaml's ``rehearsal``: what the full-scale rehearsal changes (nothing else)."""

    steps: int  # generator iterations (CFG-GAN: stages) each training runs
    checkpoints: int  # periodic checkpoints of each training
    samples: int  # generated images per evaluation count, and the cherry pool per class
    reference: int  # real images per split in the reference statistics
    classifier_steps: int  # optimiser steps of each domain classifier
    all_seeds: tuple[str, ...]  # runs trained with every seed (the others: seed 0 only)


@dataclass(frozen=True)
class Params:
    scale: str
    seed: int
    seeds: int
    standins: bool
    datasets: DatasetsConfig
    evaluation: EvaluationConfig
    classifier: ClassifierConfig
    resources: dict[str, Resources]
    runs: dict[str, RunConfig] = field(default_factory=dict)  # keyed by "source/run"
    rehearsal: RehearsalConfig | None = None  # set: the full-scale rehearsal
    sizing: SizingConfig | None = None  # resources.sizing (None: params built by hand)

    @property
    def tree(self) -> str:
        """The results tree (``results/{tree}/``): the scale, or "rehearsal"; no two of them
        ever share a file."""
        return "rehearsal" if self.rehearsal else self.scale

    @property
    def label(self) -> str:
        """How outputs name what made them: "quick scale", ..., "REHEARSAL of the full scale"."""
        return "REHEARSAL of the full scale" if self.rehearsal else f"{self.scale} scale"

    def seeds_for(self, run_id: str) -> int:
        """How many seeds ``run_id`` trains: ``seeds``, or in the rehearsal 1 for a run not
        in ``rehearsal.all_seeds``."""
        if self.rehearsal and run_id not in self.rehearsal.all_seeds:
            return 1
        return self.seeds

    def run(self, run_id: str) -> RunConfig:
        if run_id not in self.runs:
            from ganrepro.registry import UnknownName, unknown

            source = run_id.partition("/")[0]
            same = [r.split("/", 1)[1] for r in self.runs if r.startswith(source + "/")]
            hint = f"{source}'s runs: {', '.join(same)}" if same else "`ganrepro runs` lists them"
            raise UnknownName(unknown("run", run_id, self.runs, hint))
        return self.runs[run_id]

    @property
    def sources(self) -> list[str]:
        return sorted({r.source for r in self.runs.values()})

    def data_names(self) -> list[str]:
        """The datasets the runs load at this scale (stand-ins included)."""
        return sorted({r.data for r in self.runs.values()})

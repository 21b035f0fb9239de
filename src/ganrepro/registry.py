"""Name -> object registries whose keys feed the JSON schema's enums: one entry per name.

An entry is an :class:`Entry`: the object as a ``"module:attribute"`` string (imported on first
use, so the names are known for validation and the schema without importing torch), its
description (the schema, ``ganrepro validate``, the docs), its label in the report, and the run
settings it alone reads (``config.usage``: a run may set them only when it uses the name).
Adding a loss, an architecture, a trainer or an optimiser is one entry here (and its code).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


class UnknownName(KeyError):
    """A name (run, dataset, architecture, figure...) that does not exist: bad input."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def unknown(kind: str, name: str, known, hint: str = "") -> str:
    """One line for a name that does not exist: the closest known names first ("did you
    mean"), then every known name when they are few, else ``hint`` (where to list them)."""
    import difflib

    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.75)
    msg = f"unknown {kind} {name!r}"
    if close:
        msg += f"; did you mean {' or '.join(close)}?"
    if len(known) <= 12 or not hint:
        return msg + f" (known: {', '.join(known)})"
    return msg + f" ({hint})"


def resolve(target: str) -> Any:
    """The object a ``"module:attribute"`` string names, imported now."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Entry:
    target: str  # "module:attribute"
    doc: str  # what it is, in a few words (the schema's description of the setting)
    label: str = ""  # its name in the report's tables
    reads: tuple[str, ...] = ()  # the run settings (dotted) only the runs using it read


class Registry(Mapping[str, Any]):
    """A read-only mapping from a name to a lazily imported object, with its :class:`Entry`."""

    def __init__(self, kind: str, entries: Mapping[str, Entry]):
        self.kind = kind
        self._entries = dict(entries)
        self._loaded: dict[str, Any] = {}

    def entry(self, name: str) -> Entry:
        if name not in self._entries:
            raise UnknownName(unknown(self.kind, name, self._entries))
        return self._entries[name]

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = resolve(self.entry(name).target)
        return self._loaded[name]

    def describe(self) -> str:
        """Every name with its description, for a setting's schema description."""
        return "; ".join(f"{name}: {e.doc}" for name, e in self._entries.items())

    def readers(self) -> dict[str, tuple[str, ...]]:
        """{setting: the names whose runs read it}, in entry order."""
        out: dict[str, tuple[str, ...]] = {}
        for name, e in self._entries.items():
            for key in e.reads:
                out[key] = (*out.get(key, ()), name)
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return sorted(self._entries)


_MLP_READS = ("g_hidden", "g_act", "g_out", "d_hidden", "d_act", "dropout")
ARCHITECTURES = Registry(
    "architecture",
    {
        "dcgan": Entry(
            "ganrepro.models.dcgan:build",
            "the 32x32 DCGAN (k4 s2 p1 convolutions)",
            "DCGAN",
            ("model.width", "model.g_width", "model.d_norm"),
        ),
        "resnet": Entry(
            "ganrepro.models.resnet:build",
            "WGAN-GP's CIFAR-10 ResNet",
            "ResNet",
            ("model.width", "model.d_norm"),
        ),
        "mlp": Entry(
            "ganrepro.models.mlp:build",
            "fully connected nets",
            "MLP",
            tuple(f"model.{k}" for k in _MLP_READS),
        ),
    },
)

LOSSES = Registry(
    "loss",
    {
        "bce": Entry(
            "ganrepro.objectives:bce",
            "the GAN loss on logits, non-saturating generator",
            "GAN (BCE)",
            ("objective.real_label", "objective.fake_label", "objective.g_label"),
        ),
        "wasserstein": Entry(
            "ganrepro.objectives:wasserstein",
            "the Wasserstein critic, with a gradient penalty or weight clipping",
            "WGAN",
            ("objective.gp", "objective.clip"),
        ),
        "logistic": Entry(
            "ganrepro.objectives:logistic", "CFG-GAN's logistic loss (trainer cfg)", "CFG-GAN"
        ),
    },
)

TRAINERS = Registry(
    "trainer",
    {
        "adversarial": Entry(
            "ganrepro.train.adversarial:AdversarialTrainer",
            "n_critic critic steps per generator step",
            reads=(
                "objective.ac",
                "optim.lr_decay",
                *(
                    f"schedule.{k}"
                    for k in ("n_critic", "g_batch_size", "reuse_real", "epochs", "iterations")
                ),
            ),
        ),
        "cfg": Entry(
            "ganrepro.train.cfg:CFGTrainer",
            "CFG-GAN stages (composite functional gradient)",
            reads=("schedule.stages", "cfg"),
        ),
    },
)

OPTIMIZERS = Registry(
    "optimizer",
    {
        "adam": Entry("torch.optim:Adam", "Adam, no weight decay", reads=("optim.betas",)),
        "rmsprop": Entry(
            "torch.optim:RMSprop", "RMSprop, no momentum, no weight decay", reads=("optim.alpha",)
        ),
    },
)

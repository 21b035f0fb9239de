"""Name -> object registries whose keys feed the JSON schema's enums.

Entries are given as ``"module:attribute"`` strings and imported on first use, so the
names are known (for validation, for the schema) without importing torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
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


class Registry(Mapping[str, Any]):
    """A read-only mapping from a name to a lazily imported object."""

    def __init__(self, kind: str, entries: Mapping[str, str]):
        self.kind = kind
        self._targets = dict(entries)
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._targets:
            raise UnknownName(unknown(self.kind, name, self._targets))
        if name not in self._loaded:
            module, _, attr = self._targets[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), attr)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def names(self) -> list[str]:
        return sorted(self._targets)


ARCHITECTURES = Registry(
    "architecture",
    {
        "mlp": "ganrepro.models.mlp:build",
        "dcgan": "ganrepro.models.dcgan:build",
        "resnet": "ganrepro.models.resnet:build",
    },
)

LOSSES = Registry(
    "loss",
    {
        "bce": "ganrepro.objectives:bce",
        "wasserstein": "ganrepro.objectives:wasserstein",
        "logistic": "ganrepro.objectives:logistic",
    },
)

TRAINERS = Registry(
    "trainer",
    {
        "adversarial": "ganrepro.train.adversarial:AdversarialTrainer",
        "cfg": "ganrepro.train.cfg:CFGTrainer",
    },
)

OPTIMIZERS = Registry(
    "optimizer",
    {"adam": "torch.optim:Adam", "rmsprop": "torch.optim:RMSprop"},
)

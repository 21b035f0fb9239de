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


class Registry(Mapping[str, Any]):
    """A read-only mapping from a name to a lazily imported object."""

    def __init__(self, kind: str, entries: Mapping[str, str]):
        self.kind = kind
        self._targets = dict(entries)
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._targets:
            known = ", ".join(sorted(self._targets))
            raise UnknownName(f"unknown {self.kind} {name!r} (known: {known})")
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

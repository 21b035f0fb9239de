"""Which run settings each trainer, architecture, loss and optimiser reads.

A key a run sets that its kind of run does not read is an error naming it (it would change the
config hash and nothing else); a key it reads has no hidden default: it is required, except for
the few in :data:`DERIVED` and :data:`SWITCHES`.
"""

from __future__ import annotations

from typing import Any

from ganrepro.registry import ARCHITECTURES, LOSSES, OPTIMIZERS, TRAINERS

# (setting of the run that decides, the values under which the key is read)
Condition = tuple[str, tuple[str, ...]]

MLP: Condition = ("model.arch", ("mlp",))


def _read_by(setting: str, registry) -> dict[str, tuple[Condition, ...]]:
    """The keys the registry's entries read (``Entry.reads``), each under its names."""
    return {key: ((setting, names),) for key, names in registry.readers().items()}


# key -> conditions that must all hold for a run to read it; keys not listed are read by every
# run. Listed in the order they are checked (a key's conditions may name keys listed before it).
# A registry entry says which keys its name reads; the rest depend on a plain setting's value.
READ_WHEN: dict[str, tuple[Condition, ...]] = {
    **_read_by("model.arch", ARCHITECTURES),
    "model.embed_dim": (("model.conditioning", ("embed",)),),
    "model.maxout_pieces": (MLP, ("model.d_act", ("maxout",))),
    "model.g_branches": (MLP, ("model.conditioning", ("onehot",))),
    "model.d_branches": (MLP, ("model.conditioning", ("onehot",))),
    **_read_by("objective.loss", LOSSES),
    **_read_by("optim.name", OPTIMIZERS),
    **_read_by("trainer", TRAINERS),
}
# read, but optional: absent, the value is derived from another key (see their descriptions)
DERIVED = {"model.g_width": "model.width", "schedule.g_batch_size": "schedule.batch_size"}
# read, but optional: absent means the feature is off, or the schema's one-of-three budget rule
SWITCHES = {"objective.ac", "schedule.epochs", "schedule.iterations"}

_KIND = {
    "trainer": "the {} trainer",
    "model.arch": "the {} architecture",
    "objective.loss": "the {} loss",
    "optim.name": "the {} optimiser",
}


def _get(run: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(run, dict) or part not in run:
            return None
        run = run[part]
    return run


def _who(setting: str, value: Any) -> str:
    """``the cfg trainer``, ``conditioning 'none'``..."""
    if setting in _KIND:
        return _KIND[setting].format(value)
    return f"{setting.rsplit('.', 1)[-1]} {value!r}"


def check_used(run: dict[str, Any]) -> tuple[str, str] | None:
    """The first key of the scale-resolved ``run`` (as params.yaml spells it) that its kind of
    run does not read, or reads but lacks: ``(key path, message)``; None if there is none."""
    for key, conditions in READ_WHEN.items():
        failing = next(((s, v) for s, v in conditions if _get(run, s) not in v), None)
        given = _get(run, key) is not None
        if given and failing:
            setting = failing[0]
            return key, f"{_who(setting, _get(run, setting))} does not use {key.split('.')[-1]}"
        if not given and not failing and key not in DERIVED and key not in SWITCHES:
            setting, values = conditions[-1]
            return key, f"is required by {_who(setting, values[0])}"
    return None

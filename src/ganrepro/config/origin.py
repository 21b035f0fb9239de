"""Where each setting of a run comes from: the run's own keys, a YAML anchor block it merges
(``<<: *name``) or names (``model: *name``), a ``{quick: a, full: b}`` scale mapping, or the
dataclass default when params.yaml does not set it at all.

``ganrepro show {source}/{run}`` prints this; ``train`` keeps it in the run folder
(``config.yaml``) next to ``train.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ganrepro.config.load import is_scaled
from ganrepro.config.types import RunConfig


class _Loader(yaml.SafeLoader):
    """A SafeLoader that remembers the anchor names of the nodes it composed."""

    def compose_document(self):
        self.get_event()  # DOCUMENT-START
        node = self.compose_node(None, None)
        self.get_event()  # DOCUMENT-END
        self.anchor_names = {id(n): name for name, n in self.anchors.items()}
        self.anchors = {}
        return node


def _is_scaled(node) -> bool:
    return isinstance(node, yaml.MappingNode) and is_scaled({k.value: v for k, v in node.value})


def _text(node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "[" + ", ".join(_text(n) for n in node.value) + "]"
    return str(node.value)


def _flat(node, names: dict[int, str], label: str, prefix: str, out: dict[str, str]) -> None:
    """Record ``out[dotted key] = origin`` for every leaf under the mapping ``node``."""
    label = f"anchor &{names[id(node)]}" if id(node) in names else label
    own: dict[str, str] = {}
    merged: dict[str, str] = {}
    for key, value in node.value:
        if key.tag == "tag:yaml.org,2002:merge":
            for source in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                found: dict[str, str] = {}
                _flat(source, names, label, prefix, found)
                merged = {**found, **merged}  # earlier merge sources win, as in YAML
            continue
        path = f"{prefix}{key.value}"
        where = f"{label} (line {key.start_mark.line + 1})"
        if _is_scaled(value):
            per = ", ".join(f"{k.value}: {_text(v)}" for k, v in value.value)
            own[path] = f"{where}, scale mapping {{{per}}}"
        elif isinstance(value, yaml.MappingNode):
            _flat(value, names, label, f"{path}.", own)
        else:
            own[path] = f"{where}" + (
                f" via anchor &{names[id(value)]}" if id(value) in names else ""
            )
    # keys set here override merged ones, with everything beneath them
    for path in own:
        merged = {k: v for k, v in merged.items() if k != path and not k.startswith(path + ".")}
    out.update({**merged, **own})


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_leaves(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: value}


def origins(params_path: str | Path, run: RunConfig) -> dict[str, dict[str, Any]]:
    """``{dotted key: {"value": resolved value, "from": origin}}`` for every setting of ``run``
    (as ``RunConfig.to_dict()`` spells it); ``from`` says which block of ``params_path`` set it,
    or ``default`` when nothing did."""
    loader = _Loader(Path(params_path).read_text())
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    names = loader.anchor_names
    sources = dict((k.value, v) for k, v in root.value)["sources"]
    runs = dict((k.value, v) for k, v in sources.value)[run.source]
    node = dict((k.value, v) for k, v in runs.value)[run.name]
    names = {k: v for k, v in names.items() if k != id(node)}  # the run's own, also if anchored
    found: dict[str, str] = {}
    _flat(node, names, f"run's own key sources.{run.id}", "", found)
    out = {}
    for key, value in _leaves(run.to_dict()).items():
        key_in_yaml = "dataset" if key == "data" else key
        origin = found.get(key_in_yaml)
        if key in ("source", "name"):
            origin = f"the run id {run.id}"
        elif key == "data" and run.data != run.dataset:
            origin = f"the offline stand-in for {run.dataset} (standins: true)"
        if origin is None:  # a parent set as a whole (e.g. a list) or a dataclass default
            parent = next((found[p] for p in _parents(key_in_yaml) if p in found), None)
            origin = parent or "default (config/types.py)"
        out[key] = {"value": value, "from": origin}
    return out


def _parents(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def format_origins(run: RunConfig, scale: str, table: dict[str, dict[str, Any]]) -> str:
    """One line per setting: key, value, origin (unset fields, None by default, left out)."""
    shown = {k: v for k, v in table.items() if v["value"] is not None or v["from"][:7] != "default"}
    width = max(len(k) for k in shown)
    vwidth = min(28, max(len(repr(v["value"])) for v in shown.values()))
    lines = [f"{run.id} at scale {scale} (config hash {run.hash()})"]
    for key, item in shown.items():
        lines.append(f"  {key:<{width}}  {item['value']!r:<{vwidth}}  {item['from']}")
    return "\n".join(lines) + "\n"


def resolved_config(run: RunConfig, scale: str | None, table: dict | None) -> dict[str, Any]:
    """What a run folder keeps as ``config.yaml``: the resolved settings, with origins when
    known (``table`` from :func:`origins`)."""

    def plain(v):
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return [plain(x) for x in v] if isinstance(v, list | tuple) else v

    out = {"run_id": run.id, "scale": scale, "config_hash": run.hash()}
    out["config"] = plain(run.to_dict())
    if table is not None:
        out["origin"] = {k: v["from"] for k, v in table.items()}
    return out

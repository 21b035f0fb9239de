"""The settings trace (issue 13, point 2): for every run, every result-changing setting's
full-scale value, read from params.yaml, beside where it comes from (the ``trace`` of each
source file, ``sources/{source}.yaml``, and the origins every source shares in
``sources/_shared.yaml``: the source text's words, the cited code's file and line, a paper,
or our choice with its reason)."""

from __future__ import annotations

import html
import re

from ganrepro.config.types import Params

# Keys that name or locate a run, or only steer evaluation: they change no trained weights.
NOT_RESULT_CHANGING = frozenset({"source", "name", "data", "eval.checkpoints"})
KIND = re.compile(r"\b(text|code|paper|ours): ")  # text: the source text's own words


SHARED = "*"  # the trace's key for the origins every source shares


def load_trace() -> dict:
    """{source: its trace} from the source files, with the shared origins under SHARED."""
    from ganrepro import sources

    trace = {s.name: s.trace for s in sources.load().values()}
    trace[SHARED] = sources.shared_trace()
    return trace


def leaves(params: Params, run_id: str) -> dict[str, object]:
    """The run's result-changing settings: every leaf of its resolved config that is set
    (None: the setting does not apply to this run, e.g. betas of RMSprop)."""
    flat = params.run(run_id).flat()
    return {k: v for k, v in flat.items() if k not in NOT_RESULT_CHANGING and v is not None}


def origin(trace: dict, source: str, run: str, path: str) -> str | None:
    """The run's own origin, else its source's, else the one every source shares."""
    entry = trace.get(source) or {}
    override = ((entry.get("runs") or {}).get(run) or {}).get(path)
    shared = (trace.get(SHARED) or {}).get("settings") or {}
    return override or (entry.get("settings") or {}).get(path) or shared.get(path)


def untraced(trace: dict, params: Params) -> list[str]:
    """``run_id: setting`` for every result-changing leaf that has no origin."""
    out = []
    for run_id, run in params.runs.items():
        for path in leaves(params, run_id):
            if not origin(trace, run.source, run.name, path):
                out.append(f"{run_id}: {path}")
    return out


def stale(trace: dict, params: Params) -> list[str]:
    """Trace entries that name no setting of any of the source's runs (or no run); an entry
    marked PENDING may name a setting params.yaml does not have yet."""
    out = []
    for source, entry in trace.items():
        shared = source == SHARED
        runs = {k: r for k, r in params.runs.items() if shared or r.source == source}
        if not runs:
            out.append(f"{source}: no such source")
            continue
        known = {p for run_id in runs for p in leaves(params, run_id)}
        settings = entry.get("settings") or {}
        out += [
            f"{source}: {p}"
            for p, text in settings.items()
            if p not in known and not _pending(text)
        ]
        for name, over in (entry.get("runs") or {}).items():
            if f"{source}/{name}" not in runs:
                out.append(f"{source}/{name}: no such run")
                continue
            mine = leaves(params, f"{source}/{name}")
            out += [
                f"{source}/{name}: {p}"
                for p, t in over.items()
                if p not in mine and not _pending(t)
            ]
    return out


def _pending(text) -> bool:
    return "PENDING" in str(text)


def without_kind(trace: dict) -> list[str]:
    """Origins that say none of text / code / paper / ours."""
    texts = []
    for source, entry in trace.items():
        texts += [(f"{source}: {k}", v) for k, v in (entry.get("settings") or {}).items()]
        for name, over in (entry.get("runs") or {}).items():
            texts += [(f"{source}/{name}: {k}", v) for k, v in over.items()]
        texts += [
            (f"{source}: {k}", v.get("origin", "")) for k, v in (entry.get("fixed") or {}).items()
        ]
    return [where for where, text in texts if not KIND.search(str(text))]


def _value(v) -> str:
    if isinstance(v, tuple | list):
        return "(" + ", ".join(map(str, v)) + ")"
    return str(v)


def trace_rows(trace: dict, full: Params, source: str) -> list[tuple[str, str, str, str]]:
    """(setting, value, runs, origin) with runs grouped where value and origin agree; values
    from ``full`` (params.yaml at full scale), origins from the trace; then the fixed rows."""
    runs = [k for k, r in full.runs.items() if r.source == source]
    paths: list[str] = []
    for run_id in runs:
        paths += [p for p in leaves(full, run_id) if p not in paths]
    rows = []
    for path in paths:
        groups: dict[tuple[str, str], list[str]] = {}
        for run_id in runs:
            lv = leaves(full, run_id)
            if path in lv:
                name = full.runs[run_id].name
                key = (_value(lv[path]), origin(trace, source, name, path) or "MISSING")
                groups.setdefault(key, []).append(name)
        for (value, why), names in groups.items():
            who = "all" if len(names) == len(runs) else ", ".join(names)
            rows.append((path, value, who, why))
    for path, fixed in ((trace.get(source) or {}).get("fixed") or {}).items():
        rows.append((path, str(fixed.get("value", "")), "all (fixed in code)", fixed["origin"]))
    return rows


def trace_html(full: Params, trace: dict | None = None) -> str:
    """One table per source for the report page (``trace``: the source files' by default)."""
    trace = load_trace() if trace is None else trace
    esc = html.escape
    parts = [
        "<p>Every result-changing setting of every run at full scale: the value (read from "
        "<code>params.yaml</code>) and where it comes from (the <code>trace</code> of each "
        "source file, <code>src/ganrepro/sources/</code>: "
        "<b>text</b> quotes the source text, <b>code</b> the code it cites, <b>paper</b> the "
        "paper it cites, <b>ours</b> our choice and why). PENDING marks an origin for a value "
        "SPEC prescribes that params.yaml does not hold yet.</p>"
    ]
    for source in full.sources:
        body = "".join(
            f"<tr><td><code>{esc(p)}</code></td><td>{esc(v)}</td><td>{esc(w)}</td>"
            f"<td>{esc(o)}</td></tr>"
            for p, v, w, o in trace_rows(trace, full, source)
        )
        parts.append(
            f"<h3>{esc(source)}</h3><table><tr><th>setting</th><th>value (full scale)</th>"
            f"<th>runs</th><th>origin</th></tr>{body}</table>"
        )
    return "\n".join(parts)

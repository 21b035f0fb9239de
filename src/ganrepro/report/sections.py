"""The report page's sections, one function each: the cross-source run table, compute, claims,
literature anchors, the summary, deviations, and each source's figures and tables."""

from __future__ import annotations

import statistics
from pathlib import Path

import yaml

from ganrepro import layout, sources
from ganrepro.config.types import Params
from ganrepro.layout import Files
from ganrepro.outputs import catalog
from ganrepro.registry import ARCHITECTURES, LOSSES
from ganrepro.report.anchors import ANCHORS, anchor_verdict
from ganrepro.report.claims import UNTESTED, Claim, Verdict, qvalues
from ganrepro.report.markup import css, esc, href, image, num, table_html
from ganrepro.report.results import Results
from ganrepro.report.summary import summarise


def family(run) -> str:
    o = run.objective
    loss = LOSSES.entry(o.loss).label
    if o.gp:
        loss = "WGAN-GP"
    elif o.clip:
        loss = "WGAN (clip)"
    if o.ac:
        loss = "AC-" + loss
    if run.model.conditional:
        loss = "conditional " + loss
    return f"{ARCHITECTURES.entry(run.model.arch).label} / {loss}"


def _best(pairs: list[tuple[int, float]]) -> str:
    """Mean ± std of the best checkpoints' values, with their steps."""
    if not pairs:
        return num([])
    return f"{num([v for _, v in pairs])} [step {', '.join(str(s) for s, _ in pairs)}]"


def _floor(found: tuple[float, int] | None) -> str:
    return num([]) if found is None else f"{found[0]:.4g} (n={found[1]})"


def run_links(run_id: str, tree: layout.Tree) -> str:
    """Links to seed 0's samples, training log and resolved settings."""
    return " ".join(
        f'<a href="{href(tree.run_file(run_id, 0, name), tree)}">{label}</a>'
        for name, label in (("preview", "samples"), ("log", "log"), ("config", "settings"))
    )


CROSS_HEAD = (
    ("source", ""),
    ("run", ""),
    ("model", ""),
    ("dataset (used)", ""),
    ("features", "the features FID and IS use (SPEC: the domain classifier for MNIST)"),
    ("FID at step 0", "the untrained generator"),
    ("FID final", "the last checkpoint; mean ± std over training seeds"),
    (
        "FID best [step]",
        "the checkpoint with the lowest train-split curve FID, scored like "
        "the final one; mean ± std over training seeds",
    ),
    (
        "FID real-data floor",
        "real held-out (test) images against the same train reference: "
        "what a perfect generator would score",
    ),
    (
        "FID over draws",
        "seed 0's final checkpoint scored on independent latent draws: "
        "mean ± std over draws (evaluation noise, not training noise)",
    ),
    ("final / step 0", "the quality bar: at most 0.5 at the quick and small scales"),
    ("IS final", "mean ± std over training seeds"),
    ("IS of real data", "the training images, same features and splits"),
    ("KID", "mean ± std over training seeds"),
    ("precision", ""),
    ("recall", ""),
    ("accuracy on samples", "the domain classifier's accuracy on conditional samples"),
    ("seeds", ""),
    ("status", ""),
    ("files", "seed 0's samples, training log and resolved settings"),
)


def cross_table(params: Params, r: Results) -> str:
    tree = layout.of(params)
    rows = []
    for run_id, run in params.runs.items():
        ms = r.metrics.get(run_id, [])
        statuses = sorted(set(r.statuses(run_id))) or ["missing"]
        if r.missing(run_id) and ms:
            statuses.append(f"{r.missing(run_id)} seed(s) missing")
        status = ", ".join(statuses)
        cls = "diverged" if "diverged" in status else ("missing" if not ms else "")
        cells = [
            run.source,
            run.name,
            family(run),
            f"{run.dataset} ({run.data})",
            r.extractor(run_id) or "—",
        ]
        cells = [esc(c) for c in cells]
        start, final = r.at_start(run_id, "fid"), r.final(run_id, "fid")
        real_is = r.real_is(run_id)
        cells += [
            num(start),
            num(final),
            _best(r.best(run_id, "fid")),
            _floor(r.floor(run_id)),
            num(r.draws(run_id, "fid")),
            num([b / a for a, b in r.start_and_final(run_id, "fid")]),
            num(r.final(run_id, "is_mean")),
            num([real_is] if real_is is not None else []),
        ]
        cells += [num(r.final(run_id, k)) for k in ("kid_mean", "precision", "recall")]
        cells.append(num(r.final(run_id, "accuracy", "classifier")))
        cells.append(str(len(ms)))
        if params.rehearsal:
            cells[-1] = f'<span class="tag">REHEARSAL</span> {cells[-1]}'
        cells.append(f'<span class="{cls}">{esc(status)}</span>')
        cells.append(run_links(run_id, tree))
        rows.append(
            f'<tr id="run-{esc(run_id)}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
        )
    header = "".join(
        f'<th title="{esc(why)}">{esc(h)}</th>' if why else f"<th>{esc(h)}</th>"
        for h, why in CROSS_HEAD
    )
    notes = "".join(f"<li><b>{esc(h)}</b>: {esc(why)}</li>" for h, why in CROSS_HEAD if why)
    table = f"<table><tr>{header}</tr>{''.join(rows)}</table>"
    return f'<div class="wide">{table}</div><ul>{notes}</ul>'


def compute_table(params: Params, r: Results) -> str:
    """Per run and in total: the devices, attempts, wall time and device-hours summed over
    every attempt of every seed (resumes, retries and diverged runs included)."""
    rows, total_s, total_attempts, devices = [], 0.0, 0, set()
    for run_id in params.runs:
        attempts = r.attempts(run_id)
        if attempts:
            wall = sum(a["wall_time_s"] for a in attempts)
            names = sorted({a.get("device_name") or a.get("device", "?") for a in attempts})
            n = str(len(attempts))
        else:  # a summary from before attempts were recorded: its own wall time
            wall = sum(m.get("wall_time_s", 0.0) for m in r.metrics.get(run_id, []))
            names, n = sorted({t.get("device", "?") for t in r.train.get(run_id, [])}), "—"
        total_s += wall
        total_attempts += len(attempts)
        devices |= set(names)
        speed = [m["images_per_s"] for m in r.metrics.get(run_id, []) if m.get("images_per_s")]
        rows.append(
            f"<tr><td>{esc(run_id)}</td><td>{len(r.train.get(run_id, []))}</td><td>{n}</td>"
            f"<td>{esc(', '.join(names) or '—')}</td><td>{wall:.1f}</td>"
            f"<td>{wall / 3600:.4f}</td>"
            f"<td>{statistics.median(speed) if speed else 0:.0f}</td></tr>"
        )
    head = (
        "<tr><th>run</th><th>seeds</th><th>attempts</th><th>device</th>"
        "<th>wall time (s, all attempts)</th><th>device-hours</th><th>images/s (median)</th></tr>"
    )
    total = (
        f"<tr><th>total</th><td></td><td>{total_attempts}</td>"
        f"<td>{esc(', '.join(sorted(devices)))}</td><td>{total_s:.1f}</td>"
        f"<td>{total_s / 3600:.4f}</td><td></td></tr>"
    )
    return f"<table>{head}{''.join(rows)}{total}</table>"


def _p(p: float | None) -> str:
    return "—" if p is None or p != p else f"{p:.3g}"


def claims_table(verdicts: dict[Claim, Verdict]) -> tuple[str, dict[str, int]]:
    rows, counts = [], {}
    q = qvalues(verdicts)
    for claim, v in verdicts.items():
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
        cls = css(v.verdict)
        quote = f"<br><i>\u201c{esc(claim.quote)}\u201d</i>" if claim.quote else ""
        rows.append(
            f"<tr><td>{esc(claim.source)}</td><td>{esc(claim.text)}{quote}</td>"
            f'<td>{esc(v.measurement)}</td><td class="{cls}">{esc(v.verdict)}</td>'
            f"<td>{_p(v.p)}</td><td>{_p(q[claim])}</td><td>{esc(v.reason)}</td></tr>"
        )
    head = (
        "<tr><th>source</th><th>claim</th><th>measurement</th><th>verdict</th><th>p</th>"
        "<th>q (BH)</th><th>why</th></tr>"
    )
    untested = "".join(
        f"<tr><td>{esc(src)}</td><td><i>\u201c{esc(quote)}\u201d</i></td><td>{esc(why)}</td></tr>"
        for src, quote, why in UNTESTED
    )
    return (
        f"<table>{head}{''.join(rows)}</table>"
        "<h3>Not testable here</h3><p>Sentences of the source texts with content a test "
        "could check, which no claim tests, and why.</p>"
        f"<table><tr><th>source</th><th>sentence</th><th>why not</th></tr>{untested}</table>",
        counts,
    )


def anchors_table(r: Results) -> str:
    rows = []
    for a in ANCHORS:
        ours = r.final(a.run_id, a.metric, a.extractor) or r.final(a.run_id, a.metric)
        verdict, why = anchor_verdict(r, a)
        cls = css(verdict)
        rows.append(
            f"<tr><td>{esc(a.model)}</td><td>{esc(a.dataset)}</td><td>IS</td>"
            f"<td>{a.value} ± {a.std}</td><td>{esc(a.rule)}</td><td>{esc(a.where)}</td>"
            f"<td>{esc(a.run_id)}: {num(ours)} ({esc(r.extractor(a.run_id) or '—')})</td>"
            f'<td class="{cls}">{esc(verdict)}</td><td>{esc(why)}</td></tr>'
        )
    head = (
        "<tr><th>model</th><th>dataset</th><th>metric</th><th>published</th>"
        "<th>reproduced if (declared in advance)</th><th>protocol</th><th>ours</th>"
        "<th>verdict</th><th>why</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def summary_table(
    params: Params, r: Results, deviations: list[dict], verdicts: dict[Claim, Verdict]
) -> str:
    rows = []
    for source in params.sources:
        s = summarise(params, r, source, deviations, verdicts)
        cls = css(s.verdict)
        rows.append(
            f'<tr><td><a href="#{esc(source)}">{esc(source)}</a></td>'
            f'<td class="verdict {cls}">{esc(s.verdict)}</td>'
            f"<td><b>Scope:</b> {esc(s.scope)}<br><b>Easy:</b> {esc(s.easy)}<br>"
            f"<b>Hard:</b> {esc(s.hard)}</td></tr>"
        )
    head = "<tr><th>source</th><th>verdict</th><th>scope, what was easy, what was hard</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def deviation_rows(path: Path, derived: list[dict] = ()) -> list[dict]:
    """The curated deviations (``report/deviations.yaml``), then the scale's derived ones."""
    return (yaml.safe_load(path.read_text()) if path.is_file() else []) + list(derived)


def deviations_html(items: list[dict]) -> str:
    rows = "".join(
        f"<tr><td>{esc(d['source'])}</td><td>{esc(d['topic'])}</td>"
        f"<td>{esc(d['text'])}</td><td>{esc(d['we'])}</td><td>{esc(d['why'])}</td></tr>"
        for d in items
    )
    return (
        "<table><tr><th>source</th><th>topic</th><th>the source text says</th><th>we do</th>"
        f"<th>why</th></tr>{rows}</table>"
    )


def source_section(source: str, params: Params, files: Files) -> str:
    tree = files.tree
    about = sources.load()[source].description if source in sources.load() else ""
    parts = [f'<h2 id="{source}">{esc(source)}</h2><p>{esc(about)}</p>']
    reported = catalog.REPORTED.get(source)
    if reported:
        rows = "".join(
            f"<tr><td>{esc(k)}</td><td>{v['d_loss']}</td><td>{v['g_loss']}</td></tr>"
            for k, v in reported.items()
        )
        parts.append(
            "<h3>What the source reported</h3><table><tr><th>run</th><th>D loss</th>"
            f"<th>G loss</th></tr>{rows}</table>"
        )
    for name, out in catalog.TABLES.get(source, {}).items():
        parts.append(f"<h3>{esc(out.title)}</h3>{table_html(files, tree.table(source, name))}")
    figs = "".join(
        image(files, tree.figure(source, name), f"{out.title}. {out.caption}")
        for name, out in catalog.FIGURES.get(source, {}).items()
    )
    parts.append(f"<h3>Figures</h3><div>{figs}</div>")
    return "\n".join(parts)


def untested_note(params: Params) -> str:
    """Why no claim is tested with one seed per run (the quick scale), and where the verdicts
    are: the small scale's report, named as text (a link would point outside this report's
    declared inputs)."""
    note = (
        "With one seed per run no comparison can be tested: every comparative claim is "
        "inconclusive by design."
    )
    small = layout.Tree("small")
    if layout.of(params) != small:
        note += (
            " The verdicts are in the small scale's report, "
            f"<code>{esc(small.report)}</code>, made by "
            "<code>snakemake --cores all --config scale=small</code>."
        )
    return note

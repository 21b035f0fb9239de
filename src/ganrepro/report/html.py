"""One HTML page, no script and nothing from outside: figures embedded as thumbnails (data
URIs, at most THUMB pixels wide) that link to the full-size files beside the page under
``results/``; each run row links to its samples, training log and resolved settings."""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
import statistics
from pathlib import Path

import pandas as pd
import yaml

from ganrepro import layout, sources
from ganrepro.config.types import Params
from ganrepro.data import DATASETS
from ganrepro.layout import Files
from ganrepro.outputs import catalog
from ganrepro.outputs.tables import display_rows
from ganrepro.registry import ARCHITECTURES, LOSSES
from ganrepro.report.anchors import ANCHORS, anchor_verdict
from ganrepro.report.claims import UNTESTED, Claim, Verdict, judge_all, qvalues
from ganrepro.report.results import Results, present
from ganrepro.report.summary import summarise

CSS = """
body{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:13px} td,th{border:1px solid #ccc;
padding:3px 7px;text-align:left;vertical-align:top} th{background:#f3f3f3}
.banner{background:#fff4d6;border:1px solid #e0b84c;padding:.6em 1em;border-radius:4px}
.supported,.reproduced{background:#d9f2d9} .not-supported,.not-reproduced{background:#f8d7d7}
.inconclusive,.not-comparable,.not-testable-at-this-scale{background:#eee}
.partly-reproduced{background:#fff4d6} .verdict{font-weight:bold;white-space:nowrap}
.rehearsal-not-comparable{background:#e6def5} .rehearsal{background:#5b3fa0;color:#fff;
padding:.6em 1em;border-radius:4px;font-weight:bold} .tag{color:#5b3fa0;font-weight:bold}
.diverged{color:#b00;font-weight:bold} .missing{color:#888;font-style:italic}
figure{display:inline-block;margin:.6em;vertical-align:top;max-width:560px}
figure img{max-width:100%;border:1px solid #ddd} figcaption{font-size:12px;color:#555}
nav a{margin-right:1em} .wide{overflow-x:auto}
"""


def esc(x) -> str:
    return html.escape(str(x))


def num(values: list[float]) -> str:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return '<span class="missing">—</span>'
    m = sum(vals) / len(vals)
    if len(vals) == 1:
        return f"{m:.4g}"
    sd = (sum((v - m) ** 2 for v in vals) / (len(vals) - 1)) ** 0.5
    return f"{m:.4g} ± {sd:.2g}"


THUMB = 560  # widest embedded image, in pixels (the full-size file is a click away)


def href(rel: str, tree: layout.Tree) -> str:
    """``rel`` (a path under the tree) as seen from the tree's report page."""
    return esc(os.path.relpath(rel, os.path.dirname(tree.report)))


def css(verdict: str) -> str:
    """A verdict as a CSS class ("rehearsal: not comparable" -> rehearsal-not-comparable)."""
    return re.sub(r"[^a-z]+", "-", verdict.lower()).strip("-")


def thumbnail(path: Path) -> str:
    """The image at ``path`` as a data URI, at most THUMB pixels wide: a PNG, or a JPEG
    (quality 85) where that is under half the size (photos and sample grids, not plots)."""
    from PIL import Image

    with Image.open(path) as img:
        img.load()
        if img.width > THUMB:
            img = img.resize((THUMB, round(img.height * THUMB / img.width)), Image.LANCZOS)
        png, jpeg = io.BytesIO(), io.BytesIO()
        img.save(png, "PNG", optimize=True)
        rgba = img.convert("RGBA")  # transparent parts on white, as the page shows them
        flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
        flat.convert("RGB").save(jpeg, "JPEG", quality=85)
    kind, data = ("jpeg", jpeg) if jpeg.tell() < png.tell() / 2 else ("png", png)
    return f"data:image/{kind};base64," + base64.b64encode(data.getvalue()).decode()


def image(files: Files, rel: str, caption: str) -> str:
    path = present(files, rel)
    if path is None:
        return f'<p class="missing">figure {esc(Path(rel).name)} missing</p>'
    return (
        f'<figure><a href="{href(rel, files.tree)}"><img alt="{esc(path.stem)}" loading="lazy" '
        f'decoding="async" src="{thumbnail(path)}"></a>'
        f"<figcaption>{esc(caption)} (click for full size)</figcaption></figure>"
    )


def table_html(files: Files, rel: str) -> str:
    path = present(files, rel)
    if path is None:
        return f'<p class="missing">table {esc(Path(rel).name)} missing</p>'
    cols, rows = display_rows(pd.read_csv(path))
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="diverged">{esc(c)}</td>' if c == "diverged" else f"<td>{esc(c)}</td>"
            for c in cells
        )
        + "</tr>"
        for cells in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


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


def build_page(
    params: Params,
    r: Results,
    files: Files,
    deviations: Path,
    prov: dict,
    scale_deviations: list[dict] = (),
    trace: str = "",
    estimate: str = "",
) -> str:
    verdicts = judge_all(r)  # once: the summary reuses them
    claims, counts = claims_table(verdicts)
    deviations_list = deviation_rows(deviations, scale_deviations)
    banner = ""
    if params.rehearsal:
        rh = params.rehearsal
        banner = (
            '<p class="rehearsal">REHEARSAL of the full scale: every full-scale setting, but '
            f"each training stopped after {rh.steps} generator iterations (CFG-GAN: stages), "
            f"evaluations scored {rh.samples} samples per count against {rh.reference} real "
            "images per split, the domain classifiers trained "
            f"{rh.classifier_steps} steps, and only {', '.join(rh.all_seeds)} trained every "
            "seed. It proves that the full DAG runs and measures each job "
            f"({esc(layout.of(params).resources)}); no number on this page is a result, and "
            "every anchor and claim reads \u201crehearsal: not comparable\u201d.</p>"
        )
    elif params.standins or params.scale != "full":
        banner = (
            f'<p class="banner">{esc(params.scale.capitalize())} scale on offline stand-in data '
            "(digits for MNIST, photo patches for CIFAR-10 / STL-10): the verdicts below hold "
            "for the stand-ins at this scale, not for the sources' datasets; metrics use the "
            "domain classifier's features and are not comparable with published values."
            + (f" {untested_note(params)}" if params.seeds < 2 else "")
            + "</p>"
        )
    claims_note = (
        f"<p>{untested_note(params)}</p>" if params.seeds < 2 and not params.rehearsal else ""
    )
    data = prov.get("data", {})
    prov_rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in prov.items()
        if k not in ("packages", "data")
    )
    prov_rows += "".join(
        f"<tr><th>data: {esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in data.items()
    )
    prov_rows += "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in prov.get("packages", {}).items()
    )
    nav = " ".join(
        f'<a href="#{s}">{s}</a>'
        for s in (
            "verdicts",
            "runs",
            "claims",
            "anchors",
            "compute",
            *params.sources,
            *(("trace",) if trace else ()),
            "deviations",
            "provenance",
        )
    )
    n_runs = len(params.runs)
    diverged = sum("diverged" in r.statuses(k) for k in params.runs)
    missing = sum(not r.metrics.get(k) for k in params.runs)
    summary = (
        f"{n_runs} runs from {len(params.sources)} sources; {diverged} diverged, "
        f"{missing} missing. Claims: " + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    sections = "\n".join(source_section(s, params, files) for s in params.sources)
    tag = "REHEARSAL: " if params.rehearsal else ""
    classes = ", ".join(f"{n}: {', '.join(DATASETS[n].class_names)}" for n in params.data_names())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{tag}ganrepro: five GAN reports reproduced</title>
<style>{CSS}</style></head><body>
<h1>{tag}ganrepro: five GAN reports, reproduced and compared</h1>
<p>{esc(summary)}</p>{banner}
<nav>{nav}</nav>
<h2 id="verdicts">Verdict per source</h2>
<p>Computed from each source's claims and literature anchors
(<code>src/ganrepro/report/summary.py</code>): <i>reproduced</i> when every check passes,
<i>partly</i> when some pass, <i>not reproduced</i> when none passes and one fails,
<i>not testable at this scale</i> when none passes or fails (too few seeds, stand-in data,
or a protocol the published numbers were not measured under).</p>
{summary_table(params, r, deviations_list, verdicts)}
<h2 id="runs">Every run</h2>
<p>Final and best-checkpoint metrics of each run against the training split's reference
statistics. A ± is a sample standard deviation (not a standard error): over training seeds in
every column but "FID over draws", where it is over latent draws of one checkpoint. The best
checkpoint is chosen by train-split FID, never by the test split. "FID at step 0" scores the
untrained generator: a run has learned when its final FID is well below it (the quick and
small scales ask for at most half).
Classes: {esc(classes)}.</p>
{cross_table(params, r)}
<h2 id="claims">Claims</h2>
<p>Each source's own claims, quoting the sentence tested, the measurement coded to test it
(<code>src/ganrepro/report/claims/</code>, one module per source) and the verdict it gives on
these results. The same standard decides both ways: significant at alpha 0.05 in the claimed
direction supports, significant the other way refutes, anything else is inconclusive and says
how large a difference it still rules out. A comparison of two runs is an exact permutation
test on their per-seed values where the seeds allow one to reach 0.05 (4 + 4 seeds or more),
else Welch's t-test (which assumes normal seed noise); each gives the difference, its 95%
interval and the smallest difference detectable at 80% power. A claim of size ("markedly",
"slightly") is tested against a margin fixed in the code before any result; collapse counts use
Fisher's exact test and Clopper-Pearson bounds. A claim made of several comparisons is
supported when every one is, and not supported when one goes the other way after Holm's
correction. q is the Benjamini-Hochberg q-value of p across this table (the false-discovery
rate if every claim with q at most that level were called).</p>
{claims_note}
{claims}
<h2 id="anchors">Literature anchors</h2>
<p>Each published number with the tolerance that counts as reproduced, declared in
<code>src/ganrepro/report/anchors.py</code> before any full-scale result, and compared only under
its own protocol (features, sample count, IS splits, data); otherwise the row says why not.</p>
{anchors_table(r)}
<h2 id="compute">Compute</h2>
<p>Every attempt of every seed counts (the first run, each resume after an interruption, a retry,
a diverged run), from each run's <code>train.json</code>. Wall time is the training process's
(evaluation not included).</p>
{compute_table(params, r)}
{estimate}
{sections}
{f'<h2 id="trace">Settings trace</h2>{trace}' if trace else ""}
<h2 id="deviations">Deviations</h2>
<p>Every place where we follow SPEC, or the paper or code a source cites, instead of the
source's text, or had to choose; and, below the list, every setting of this scale that differs
from the full scale beyond sizes and budgets (derived from <code>params.yaml</code>).</p>
{deviations_html(deviations_list)}
<h2 id="provenance">Provenance</h2>
<table>{prov_rows}</table>
</body></html>
"""

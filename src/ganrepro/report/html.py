"""One self-contained HTML page: figures embedded as data URIs, no script, no external link."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import pandas as pd
import yaml

from ganrepro import layout
from ganrepro.config.types import Params
from ganrepro.data import DATASETS
from ganrepro.layout import Files
from ganrepro.outputs import catalog
from ganrepro.outputs.tables import display_rows
from ganrepro.report.anchors import ANCHORS, comparability
from ganrepro.report.claims import CLAIMS
from ganrepro.report.results import Results, present

CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:13px} td,th{border:1px solid #ccc;
padding:3px 7px;text-align:left;vertical-align:top} th{background:#f3f3f3}
.banner{background:#fff4d6;border:1px solid #e0b84c;padding:.6em 1em;border-radius:4px}
.supported{background:#d9f2d9} .not-supported{background:#f8d7d7} .inconclusive{background:#eee}
.diverged{color:#b00;font-weight:bold} .missing{color:#888;font-style:italic}
figure{display:inline-block;margin:.6em;vertical-align:top;max-width:560px}
figure img{max-width:100%;border:1px solid #ddd} figcaption{font-size:12px;color:#555}
nav a{margin-right:1em}
"""

SOURCES = {
    "acwgan": "AC-WGAN-GP (ResNet) on CIFAR-10 and STL-10 at 32x32 (seed 000).",
    "agarwal": "Simple GAN, DCGAN, WGAN-GP and a conditional WGAN-GP on CIFAR-10 (seed 001).",
    "ding": "GAN, WGAN (clipping), CGAN on MNIST; a WGAN hyper-parameter study; WGAN-GP "
    "(seed 002).",
    "frank": "DCGAN vs WGAN (clipping) vs WGAN-GP on CIFAR-10; FID curves (seed 003).",
    "zhu": "CFG-GAN vs WGAN-GP vs DCGAN, DCGAN and ResNet architectures, MNIST and CIFAR-10 "
    "(seed 004).",
}


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


def image(files: Files, rel: str, caption: str) -> str:
    path = present(files, rel)
    if path is None:
        return f'<p class="missing">figure {esc(Path(rel).name)} missing</p>'
    data = base64.b64encode(path.read_bytes()).decode()
    return (
        f'<figure><img alt="{esc(path.stem)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
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
    loss = {"bce": "GAN (BCE)", "logistic": "CFG-GAN", "wasserstein": "WGAN"}[o.loss]
    if o.gp:
        loss = "WGAN-GP"
    elif o.clip:
        loss = "WGAN (clip)"
    if o.ac:
        loss = "AC-" + loss
    if run.model.conditional:
        loss = "conditional " + loss
    return f"{run.model.arch.upper() if run.model.arch != 'resnet' else 'ResNet'} / {loss}"


def cross_table(params: Params, r: Results) -> str:
    head = (
        "source",
        "run",
        "model",
        "dataset (used)",
        "features",
        "FID at step 0",
        "FID",
        "final / step 0",
        "IS",
        "KID",
        "precision",
        "recall",
        "accuracy on samples",
        "seeds",
        "wall time (s)",
        "status",
    )
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
        cells.append(num(start))
        cells.append(num(final))
        cells.append(num([b / a for a, b in zip(start, final, strict=False) if a]))
        cells += [num(r.final(run_id, k)) for k in ("is_mean", "kid_mean", "precision", "recall")]
        cells.append(num(r.final(run_id, "accuracy", "classifier")))
        cells.append(str(len(ms)))
        cells.append(num([m["wall_time_s"] for m in ms]))
        cells.append(f'<span class="{cls}">{esc(status)}</span>')
        rows.append(
            f'<tr id="run-{esc(run_id)}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
        )
    header = "".join(f"<th>{h}</th>" for h in head)
    return f"<table><tr>{header}</tr>{''.join(rows)}</table>"


def claims_table(r: Results) -> tuple[str, dict[str, int]]:
    rows, counts = [], {}
    for claim in CLAIMS:
        v = claim.judge(r)
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
        cls = v.verdict.replace(" ", "-")
        rows.append(
            f"<tr><td>{esc(claim.source)}</td><td>{esc(claim.text)}</td>"
            f'<td>{esc(v.measurement)}</td><td class="{cls}">{esc(v.verdict)}</td>'
            f"<td>{esc(v.reason)}</td></tr>"
        )
    head = "<tr><th>source</th><th>claim</th><th>measurement</th><th>verdict</th><th>why</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>", counts


def anchors_table(r: Results) -> str:
    rows = []
    for a in ANCHORS:
        ours = r.final(a.run_id, a.metric)
        rows.append(
            f"<tr><td>{esc(a.model)}</td><td>{esc(a.dataset)}</td><td>IS</td>"
            f"<td>{a.value} ± {a.std}</td><td>{esc(a.where)}</td>"
            f"<td>{esc(a.run_id)}: {num(ours)} ({esc(r.extractor(a.run_id) or '—')})</td>"
            f"<td>{esc(comparability(r, a.run_id))}</td></tr>"
        )
    head = (
        "<tr><th>model</th><th>dataset</th><th>metric</th><th>published</th>"
        "<th>protocol</th><th>ours</th><th>comparable?</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def deviations_html(path: Path, derived: list[dict] = ()) -> str:
    items = (yaml.safe_load(path.read_text()) if path.is_file() else []) + list(derived)
    rows = "".join(
        f"<tr><td>{esc(d['source'])}</td><td>{esc(d['topic'])}</td>"
        f"<td>{esc(d['seed'])}</td><td>{esc(d['we'])}</td><td>{esc(d['why'])}</td></tr>"
        for d in items
    )
    return (
        "<table><tr><th>source</th><th>topic</th><th>the seed says</th><th>we do</th>"
        f"<th>why</th></tr>{rows}</table>"
    )


def source_section(source: str, params: Params, files: Files) -> str:
    parts = [f'<h2 id="{source}">{esc(source)}</h2><p>{esc(SOURCES.get(source, ""))}</p>']
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
        parts.append(f"<h3>{esc(out.title)}</h3>{table_html(files, layout.table(source, name))}")
    figs = "".join(
        image(files, layout.figure(source, name), f"{out.title}. {out.caption}")
        for name, out in catalog.FIGURES.get(source, {}).items()
    )
    parts.append(f"<h3>Figures</h3><div>{figs}</div>")
    return "\n".join(parts)


def build_page(
    params: Params,
    r: Results,
    files: Files,
    deviations: Path,
    prov: dict,
    scale_deviations: list[dict] = (),
    trace: str = "",
) -> str:
    claims, counts = claims_table(r)
    banner = ""
    if params.standins or params.scale != "full":
        banner = (
            f'<p class="banner">{esc(params.scale.capitalize())} scale on offline stand-in data '
            "(digits for MNIST, photo patches for CIFAR-10 / STL-10): the verdicts below hold "
            "for the stand-ins at this scale, not for the sources' datasets; metrics use the "
            "domain classifier's features and are not comparable with published values."
            + (
                " With one seed per run no comparison can be tested: every comparative claim "
                "is inconclusive by design."
                if params.seeds < 2
                else ""
            )
            + "</p>"
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
            "runs",
            "claims",
            "anchors",
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
    classes = ", ".join(f"{n}: {', '.join(DATASETS[n].class_names)}" for n in params.data_names())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ganrepro: five GAN reports reproduced</title>
<style>{CSS}</style></head><body>
<h1>ganrepro: five GAN reports, reproduced and compared</h1>
<p>{esc(summary)}</p>{banner}
<nav>{nav}</nav>
<h2 id="runs">Every run</h2>
<p>Final metrics of each run (mean ± std over seeds where there are several), against the
training split's reference statistics. "FID at step 0" scores the untrained generator: a run
has learned when its final FID is well below it (the quick and small scales ask for at most
half).
Classes: {esc(classes)}.</p>
{cross_table(params, r)}
<h2 id="claims">Claims</h2>
<p>Each source's own claims, the measurement coded to test it
(<code>src/ganrepro/report/claims.py</code>) and the verdict it gives on these results.
A comparison of two runs is Welch's t-test on their per-seed values (two-sided, alpha 0.05); a
claim made of several comparisons is supported when every one is significant the claimed way,
and not supported when one goes the other way after Holm's correction. The p-values and the
per-seed values behind each verdict are shown.</p>
{claims}
<h2 id="anchors">Literature anchors</h2>
{anchors_table(r)}
{sections}
{f'<h2 id="trace">Settings trace</h2>{trace}' if trace else ""}
<h2 id="deviations">Deviations</h2>
<p>Every place where we follow SPEC, or the paper or code a source cites, instead of the
source's text, or had to choose; and, below the list, every setting of this scale that differs
from the full scale beyond sizes and budgets (derived from <code>params.yaml</code>).</p>
{deviations_html(deviations, scale_deviations)}
<h2 id="provenance">Provenance</h2>
<table>{prov_rows}</table>
</body></html>
"""

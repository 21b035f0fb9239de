"""One HTML page, no script and nothing from outside: figures embedded as thumbnails (data
URIs, at most THUMB pixels wide) that link to the full-size files beside the page under
``results/``; each run row links to its samples, training log and resolved settings.

The page is assembled here; its sections are in :mod:`ganrepro.report.sections`, the
building blocks in :mod:`ganrepro.report.markup`."""

from __future__ import annotations

from pathlib import Path

from ganrepro import layout
from ganrepro.config.types import Params
from ganrepro.data import DATASETS
from ganrepro.layout import Files
from ganrepro.report.claims import judge_all
from ganrepro.report.markup import esc
from ganrepro.report.results import Results
from ganrepro.report.sections import (
    anchors_table,
    claims_table,
    compute_table,
    cross_table,
    deviation_rows,
    deviations_html,
    source_section,
    summary_table,
    untested_note,
)

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
(declared in each source's file under <code>src/ganrepro/sources/</code>, with code only where a
claim needs it) and the verdict it gives on
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

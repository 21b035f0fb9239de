"""The report page: numbers equal the runs' metrics.json; missing and diverged runs are shown,
not dropped; no external resource."""

from __future__ import annotations

import json
import re

from PIL import Image

from ganrepro import layout
from ganrepro.config import load_params
from ganrepro.layout import Files
from ganrepro.outputs import catalog
from ganrepro.report.build import build_report, report_reads
from ganrepro.report.markup import num
from tests.results_tree import write_tree


def fake_metrics(run_id: str, fid: float, is_mean: float, status="completed") -> dict:
    return {
        "run_id": run_id,
        "status": status,
        "reason": None if status == "completed" else "NaN",
        "seed": 0,
        "step": 10,
        "total_steps": 10,
        "wall_time_s": 1.5,
        "images_per_s": 100.0,
        "final": {
            "classifier": {
                "fid": fid,
                "is_mean": is_mean,
                "is_std": 0.1,
                "kid_mean": 0.5,
                "kid_std": 0.1,
                "precision": 0.25,
                "recall": 0.125,
                "f_score": 0.2,
            },
            "white_fraction": 0.0,
        },
        "final_test": {},
        "curve": [],
        "reference": {
            "classifier": {"train_is": [5.0, 0.1], "test_is": [5.0, 0.1]},
            "white_fraction": 0.0,
        },
        "protocol": {"n_samples": 500},
    }


def test_page_numbers_missing_and_diverged_runs(root, quick_params, tmp_path):
    written = {"frank/dcgan": (123.456789, 2.345678), "frank/wgan": (98.7654321, 3.1415926)}
    for run_id, (fid, is_mean) in written.items():
        path = tmp_path / layout.Tree("quick").run_file(run_id, 0, "metrics")
        path.parent.mkdir(parents=True)
        status = "diverged" if run_id == "frank/wgan" else "completed"
        path.write_text(json.dumps(fake_metrics(run_id, fid, is_mean, status)))
    out = tmp_path / "report" / "index.html"
    files = Files(layout.Tree("quick"), root=tmp_path)  # no declaration: whatever is there
    build_report(quick_params, root / "params.yaml", files, root / "report/deviations.yaml", out)
    page = out.read_text()
    rows = {m[1]: m[2] for m in re.finditer(r'<tr id="run-([^"]+)">(.*?)</tr>', page, re.S)}
    assert set(rows) == set(quick_params.runs)  # every run has a row, present or not
    for run_id, (fid, is_mean) in written.items():
        assert f"<td>{num([fid])}</td>" in rows[run_id] and num([fid]) == f"{fid:.4g}"
        assert f"<td>{num([is_mean])}</td>" in rows[run_id]
    assert 'class="diverged">diverged' in rows["frank/wgan"]
    assert 'class="missing">missing' in rows["ding/gan"]
    assert f"{len(quick_params.runs) - 2} missing" in page and "1 diverged" in page
    assert "figure fig7_fid_curves.png missing" in page
    for section in (
        "claims",
        "anchors",
        "trace",
        "deviations",
        "provenance",
        *quick_params.sources,
    ):
        assert f'id="{section}"' in page
    assert "params.yaml sha256 (values)" in page
    # the source texts are "source text", never "seed" (a random seed's word)
    assert "(source text 003)" in page and "<th>the source text says</th>" in page
    assert not re.search(r"\(seed \d+\)|the seed says", page)
    # one seed: no claim is tested here; the claims section names the small scale's report
    # as text (a link would leave the report's declared inputs)
    assert quick_params.seeds == 1
    small = "<code>results/small/report/index.html</code>"
    claims = re.search(r'id="claims".*?id="anchors"', page, re.S)[0]
    assert small in claims and "inconclusive by design" in claims
    assert "<code>snakemake --cores all --config scale=small</code>" in claims
    assert small in re.search(r'class="banner".*?</p>', page, re.S)[0]
    assert 'href="results/small' not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing loaded from outside
    assert "<script" not in page


class Recording(Files):
    """Files that notes every file asked for (read, or tested for)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.asked: set[str] = set()

    def get(self, rel):
        self.asked.add(rel)
        return super().get(rel)

    def has(self, rel):
        self.asked.add(rel)
        return super().has(rel)


def write_small_tree(root, params, figure_size: tuple[int, int]) -> None:
    """Every run's files (``write_tree``) and every source's figures (plain images of
    ``figure_size``) and tables: all the report reads."""
    write_tree(root, params)
    for source in params.sources:
        for name in catalog.FIGURES[source]:
            path = root / layout.of(params).figure(source, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", figure_size, (200, 220, 240)).save(path)
        for name in catalog.TABLES[source]:
            path = root / layout.of(params).table(source, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("run,fid\na,1.5\n")


def test_the_report_reads_exactly_report_reads(root, tmp_path):
    """Built from a whole synthetic results tree with only ``report_reads`` declared: no
    UndeclaredInput, every run, figure and table shown, and it asks for no other file."""
    small = load_params(root / "params.yaml", scale="small")
    write_small_tree(tmp_path, small, (4, 4))
    declared = report_reads(small)
    assert len(declared) == len(set(declared))
    assert all(p.startswith("results/") for p in declared)
    files = Recording(layout.of(small), declared, root=tmp_path)
    out = tmp_path / "index.html"
    r = build_report(small, root / "params.yaml", files, root / "report/deviations.yaml", out)
    assert files.asked == set(declared)
    assert all(r.missing(run_id) == 0 for run_id in small.runs)
    page = out.read_text()
    assert "missing</p>" not in page  # every figure and table was there
    assert page.count("<img ") == sum(len(catalog.FIGURES[s]) for s in small.sources)
    assert "data: digits" in page and "data: photos" in page
    assert "inconclusive by design" not in page  # 3 seeds: the claims are tested here


def test_a_file_left_out_of_the_reads_is_missing_not_read(root, tmp_path, quick_params):
    """A metrics file, figure or table not declared is shown as missing, though it is on disk."""
    write_tree(tmp_path, quick_params, ["frank/dcgan"])
    fig = tmp_path / layout.Tree("quick").figure("frank", "fig1_losses_dcgan")
    fig.parent.mkdir(parents=True)
    Image.new("RGB", (4, 4)).save(fig)
    declared = [
        p
        for p in report_reads(quick_params)
        if p
        not in (
            layout.Tree("quick").run_file("frank/dcgan", 0, "metrics"),
            layout.Tree("quick").figure("frank", "fig1_losses_dcgan"),
        )
    ]
    out = tmp_path / "index.html"
    files = Files(layout.Tree("quick"), declared, root=tmp_path)
    r = build_report(
        quick_params, root / "params.yaml", files, root / "report/deviations.yaml", out
    )
    assert r.metrics["frank/dcgan"] == []
    assert "figure fig1_losses_dcgan.png missing" in out.read_text()


def test_the_small_page_in_chromium(root, tmp_path):
    """A whole small-scale results tree (every seed, every run, figures the size the plots
    draw) rendered in headless Chromium: every thumbnail decodes, the console stays silent,
    every relative link is a file beside the page, and the verdicts, spreads, floors, best
    checkpoints and compute are on it."""
    from tests.chromium import relative_links, render

    small = load_params(root / "params.yaml", scale="small")
    write_small_tree(tmp_path, small, (1800, 1200))
    index = tmp_path / layout.of(small).report
    files = Files(layout.of(small), report_reads(small), root=tmp_path)
    build_report(small, root / "params.yaml", files, root / "report/deviations.yaml", index)
    page = index.read_text()
    n_figures = sum(len(catalog.FIGURES[s]) for s in small.sources)
    got = render(index, tmp_path)
    assert (got.loaded, got.images) == (n_figures, n_figures), got.stderr
    assert got.console == []
    links = relative_links(page)
    assert len(links) == n_figures + 3 * len(small.runs)
    assert [link for link in links if not (index.parent / link).is_file()] == []
    # thumbnails, not the 1800-pixel originals
    for uri in re.findall(r'src="data:image/(?:png|jpeg);base64,([^"]+)"', page):
        import base64
        import io

        assert Image.open(io.BytesIO(base64.b64decode(uri))).width == 560
    verdicts = re.search(r'id="verdicts".*?</table>', page, re.S)[0]
    assert all(f'href="#{s}"' in verdicts for s in small.sources)
    row = re.search(r'<tr id="run-frank/dcgan">(.*?)</tr>', page, re.S)[1]
    # seed k of metrics_json: FID 50 + k; best 49 + k at step 5; floor 1.25; draws
    seeds = range(small.seeds)
    assert f"<td>{num([50.0 + k for k in seeds])}</td>" in row
    steps = ", ".join("5" for _ in seeds)
    assert f"<td>{num([49.0 + k for k in seeds])} [step {steps}]</td>" in row
    assert "<td>1.25 (n=500)</td>" in row and f"<td>{num([50.0, 50.5, 49.5])}</td>" in row
    compute = re.search(r'id="compute".*?</table>', page, re.S)[0]
    # each seed: an interrupted attempt of 2 + k s and a resumed one of 3 s
    n, secs = small.seeds, sum(5.0 + k for k in seeds)
    row = f"<td>frank/dcgan</td><td>{n}</td><td>{2 * n}</td><td>a CPU</td><td>{secs}</td>"
    assert row in compute
    assert f"<td>{2 * n * len(small.runs)}</td>" in compute

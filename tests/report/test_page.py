"""The report page: numbers equal the runs' metrics.json; missing and diverged runs are shown,
not dropped; no external resource."""

from __future__ import annotations

import json
import re

from ganrepro.report.build import build_report
from ganrepro.report.html import num


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
    runs = tmp_path / "runs"
    written = {"frank/dcgan": (123.456789, 2.345678), "frank/wgan": (98.7654321, 3.1415926)}
    for run_id, (fid, is_mean) in written.items():
        folder = runs / run_id
        folder.mkdir(parents=True)
        status = "diverged" if run_id == "frank/wgan" else "completed"
        (folder / "metrics.json").write_text(json.dumps(fake_metrics(run_id, fid, is_mean, status)))
    out = tmp_path / "report" / "index.html"
    build_report(
        quick_params,
        root / "params.yaml",
        runs,
        tmp_path / "figs",
        tmp_path / "tabs",
        tmp_path / "data",
        root / "report/deviations.yaml",
        out,
    )
    page = out.read_text()
    rows = {m[1]: m[2] for m in re.finditer(r'<tr id="run-([^"]+)">(.*?)</tr>', page, re.S)}
    assert set(rows) == set(quick_params.runs)  # every run has a row, present or not
    for run_id, (fid, is_mean) in written.items():
        assert f"<td>{num([fid])}</td>" in rows[run_id] and num([fid]) == f"{fid:.4g}"
        assert f"<td>{num([is_mean])}</td>" in rows[run_id]
    assert 'class="diverged">diverged' in rows["frank/wgan"]
    assert 'class="missing">missing' in rows["ding/gan"]
    assert "25 missing" in page and "1 diverged" in page
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
    assert "params.yaml sha256" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing loaded from outside
    assert "<script" not in page

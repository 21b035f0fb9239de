"""Adding a source is additive: the toy source of docs/sources.md, added to a copy of the
project exactly as the guide says, touches at most 4 files (2: params.yaml and its source file;
generated files not counted), passes `ganrepro validate`, and plans its jobs in `snakemake -n`;
a name it gets wrong stops both before any job, in one line naming the file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import BIN, ROOT, copy_repo, snakemake

GENERATED = {"dvc.yaml", "workflow/schemas/params.schema.json"}
STEP = re.compile(r"<!-- toy: (append to|write) (\S+) -->\n```yaml\n(.*?)```", re.S)


def toy_steps() -> list[tuple[str, str, str]]:
    """(action, file, text) of each toy block of the guide, in order."""
    steps = STEP.findall((ROOT / "docs" / "sources.md").read_text())
    assert [s[:2] for s in steps] == [
        ("append to", "params.yaml"),
        ("write", "src/ganrepro/sources/toy.yaml"),
    ]
    return steps


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and ".snakemake" not in p.parts
    }


def env_of(project: Path) -> dict[str, str]:
    """The copy's own package first (PYTHONPATH before the installed one)."""
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(project / "src"),
    }


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ganrepro.cli", *args],
        cwd=project,
        env=env_of(project),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project with the toy source added as the guide says."""
    dest = copy_repo(ROOT, tmp_path_factory.mktemp("toy"))
    before = snapshot(dest)
    for action, name, text in toy_steps():
        path = dest / name
        if action == "append to":
            path.write_text(path.read_text().rstrip("\n") + "\n" + text)
        else:
            path.write_text(text)
    touched = {n for n, b in snapshot(dest).items() if before.get(n) != b} - GENERATED
    assert touched == {"params.yaml", "src/ganrepro/sources/toy.yaml"}
    assert len(touched) <= 4
    return dest


def test_the_toy_source_validates_with_its_runs(project):
    res = cli(project, "validate")
    assert res.returncode == 0, res.stderr
    sources = yaml.safe_load((project / "params.yaml").read_text())["sources"]
    n_runs = sum(len(runs) for runs in sources.values())
    assert (
        "toy" in sources
        and len(sources) == len(yaml.safe_load((ROOT / "params.yaml").read_text())["sources"]) + 1
    )
    assert f"{n_runs} runs in {len(sources)} sources" in res.stdout
    claim = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ganrepro.report.claims import get; "
            "c = get('toy/gp_beats_gan'); print(c.source, c.text)",
        ],
        cwd=project,
        env=env_of(project),
        capture_output=True,
        text=True,
        check=True,
    )
    assert claim.stdout.strip() == "toy the WGAN-GP's digits beat the GAN's (final FID)"


def test_the_dag_and_dvc_plan_the_toy_sources_jobs(project):
    res = snakemake("-n", "--quiet", "rules", cwd=project, env=env_of(project))
    assert res.returncode == 0, res.stderr[-3000:]
    plan = snakemake("-n", "--printshellcmds", cwd=project, env=env_of(project))
    assert plan.returncode == 0, plan.stderr[-3000:]
    for path in (
        "results/quick/figures/toy/fid_curves.png",
        "results/quick/tables/toy/metrics.csv",
        "results/quick/runs/toy/gan/metrics.json",
        "results/quick/runs/toy/wgan_gp/metrics.json",
    ):
        assert path in plan.stdout, path
    res = cli(project, "dvc-yaml", "--out", "dvc.yaml")
    assert res.returncode == 0, res.stderr
    stages = yaml.safe_load((project / "dvc.yaml").read_text())["stages"]
    toy = sorted(s for s in stages if "toy" in s)
    assert "figure-toy-fid_curves" in toy and "table-toy-metrics" in toy, toy
    for name in ("report", "figure-toy-fid_curves", "table-toy-metrics"):
        stage = next(s for n, s in stages.items() if n.startswith(name))
        assert "src/ganrepro/sources" in stage["deps"], name  # the definitions, claims' code


@pytest.mark.parametrize(
    ("wrong", "right", "message"),
    [
        ("b: gan,", "b: gann,", "toy.yaml: claims[0] (gp_beats_gan): no run 'gann' in params.yaml"),
        (
            "metric: fid}",
            "metric: recall}",
            "toy.yaml: figures.fid_curves: options.metric 'recall'",
        ),
        ("kind: metrics_table", "kind: metric_table", "toy.yaml: tables.metrics: unknown kind"),
        ("compare:", "comparre:", "toy.yaml: claims[0]: unknown key 'comparre'"),
    ],
)
def test_a_wrong_name_stops_validate_and_the_workflow_before_any_job(
    project, tmp_path, wrong, right, message
):
    path = project / "src/ganrepro/sources/toy.yaml"
    good = path.read_text()
    assert good.count(wrong) == 1
    try:
        path.write_text(good.replace(wrong, right))
        res = cli(project, "validate")
        assert res.returncode == 2 and message in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
        dry = snakemake("-n", cwd=project, env=env_of(project))
        assert dry.returncode != 0 and message in dry.stderr + dry.stdout
        assert "Traceback" not in dry.stderr
    finally:
        path.write_text(good)

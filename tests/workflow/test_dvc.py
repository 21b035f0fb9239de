"""DVC: one source of truth with the Snakefile; record, push, pull; per-key params; exp run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from ..conftest import copy_repo, git, snakemake, tool


def snakemake_outputs(repo, *extra) -> set[str]:
    """Every output file of the Snakemake DAG (from --summary)."""
    res = snakemake("-n", "--summary", *extra, cwd=repo, check=True)
    lines = res.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("output_file"))
    return {line.split("\t")[0] for line in lines[start + 1 :] if line.strip()}


def dvc_outputs(dvc: dict) -> set[str]:
    """Output files of dvc.yaml's stages (directories of run state excluded)."""
    out = set()
    for stage in dvc["stages"].values():
        for kind in ("outs", "metrics", "plots"):
            for item in stage.get(kind, []):
                path = item if isinstance(item, str) else next(iter(item))
                if not path.endswith(("/ckpt", "/grids")):
                    out.add(path)
    return out


def drift(repo) -> tuple[set[str], set[str]]:
    """(outputs only Snakemake declares, outputs only DVC declares)."""
    sm = snakemake_outputs(repo)
    dv = dvc_outputs(yaml.safe_load((repo / "dvc.yaml").read_text()))
    return sm - dv, dv - sm


def test_committed_dvc_yaml_is_generated_from_params_and_catalog(root):
    tool("ganrepro", "dvc-yaml", "--check", "dvc.yaml", cwd=root)


def test_snakefile_and_dvc_yaml_declare_the_same_outputs(root, tmp_path):
    repo = copy_repo(root, tmp_path)
    assert drift(repo) == (set(), set())
    # a rule added on one side only is caught
    with open(repo / "workflow/rules/report.smk", "a") as fh:
        fh.write(
            '\n\nrule extra:\n    input:\n        "results/report/index.html",\n'
            '    output:\n        "results/report/extra.txt",\n    log:\n'
            '        "logs/extra.log",\n    shell:\n        "touch {output}"\n'
        )
    (repo / "Snakefile").write_text(
        (repo / "Snakefile")
        .read_text()
        .replace(
            '"results/report/index.html",',
            '"results/report/index.html",\n        "results/report/extra.txt",',
            1,
        )
    )
    only_sm, only_dvc = drift(repo)
    assert only_sm == {"results/report/extra.txt"} and only_dvc == set()


def test_each_train_stage_depends_on_its_own_params_key(root):
    dvc = yaml.safe_load((root / "dvc.yaml").read_text())
    assert dvc["stages"]["train-frank-wgan"]["params"] == ["sources.frank.wgan", "seed", "standins"]
    assert dvc["stages"]["evaluate-frank-wgan"]["metrics"] == [
        {"results/runs/frank/wgan/metrics.json": {"cache": True}}
    ]


def expected_downstream(dvc: dict, stage: str) -> set[str]:
    """``stage`` and every stage that depends, transitively, on its outputs."""
    outs = {}
    for name, s in dvc["stages"].items():
        for kind in ("outs", "metrics", "plots"):
            for item in s.get(kind, []):
                outs[item if isinstance(item, str) else next(iter(item))] = name
    found, frontier = {stage}, [stage]
    while frontier:
        current = frontier.pop()
        for name, s in dvc["stages"].items():
            if name not in found and any(outs.get(d) == current for d in s.get("deps", [])):
                found.add(name)
                frontier.append(name)
    return found


@pytest.fixture(scope="module")
def recorded(quick_dag, tmp_path_factory):
    """A copy of the quick DAG's repository (the other tests keep theirs untouched), its
    outputs recorded into dvc.lock (`dvc commit -f`) and pushed."""
    base = tmp_path_factory.mktemp("dvc")
    quick_dag = Path(shutil.copytree(quick_dag, base / "repo", symlinks=True))
    remote = base / "dvc-remote"
    tool("dvc", "remote", "modify", "--local", "local", "url", str(remote), cwd=quick_dag)
    tool("dvc", "commit", "--force", "--quiet", cwd=quick_dag)
    status = tool("dvc", "status", "--json", cwd=quick_dag)
    assert json.loads(status.stdout) == {}, status.stdout[:2000]
    tool("dvc", "push", "--quiet", cwd=quick_dag)
    git(quick_dag, "add", "dvc.lock")
    git(quick_dag, "commit", "-qm", "record quick outputs")
    return quick_dag, remote


@pytest.mark.slow
def test_one_runs_lr_makes_only_that_run_and_its_downstream_stale(recorded):
    repo, _ = recorded
    params = (repo / "params.yaml").read_text()
    raw = json.loads(json.dumps(yaml.safe_load(params)))  # unshare YAML aliases
    assert raw["sources"]["frank"]["wgan"]["optim"]["lr"] == {"quick": 5e-4, "full": 5e-5}
    raw["sources"]["frank"]["wgan"]["optim"]["lr"]["quick"] = 6e-4
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    try:
        status = json.loads(tool("dvc", "status", "--json", cwd=repo).stdout)
        assert set(status) == {"train-frank-wgan"}
        assert status["train-frank-wgan"] == [
            {"changed deps": {"params.yaml": {"sources.frank.wgan": "modified"}}}
        ]
        ran = tool("dvc", "repro", cwd=repo, timeout=900).stdout
        would_run = set(re.findall(r"Running stage '([^']+)'", ran))
        dvc = yaml.safe_load((repo / "dvc.yaml").read_text())
        assert would_run == expected_downstream(dvc, "train-frank-wgan")
        assert "train-frank-dcgan" not in would_run and "report" in would_run
    finally:  # back to the recorded state for the other tests
        git(repo, "checkout", "--", "params.yaml", "dvc.lock")
        tool("dvc", "checkout", "--force", "--quiet", cwd=repo)


@pytest.mark.slow
def test_fresh_clone_pulls_identical_files_and_snakemake_has_nothing_to_do(recorded, tmp_path):
    repo, remote = recorded
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    tool("dvc", "remote", "modify", "--local", "local", "url", str(remote), cwd=clone)
    shutil.copytree(repo / ".venv", clone / ".venv", symlinks=True) if (
        repo / ".venv"
    ).exists() else None
    tool("dvc", "pull", "--quiet", cwd=clone)
    files = [
        p.relative_to(repo)
        for p in (repo / "results").rglob("*")
        if p.is_file() and p.name != ".gitignore" and "/tb/" not in str(p) and p.name != "resume.pt"
    ]
    assert len(files) > 100
    for rel in files:
        assert (clone / rel).read_bytes() == (repo / rel).read_bytes(), rel
    snakemake("--touch", "--cores", "1", "--quiet", "all", cwd=clone, check=True)
    res = snakemake("-n", cwd=clone, check=True)
    assert "Nothing to be done" in res.stdout + res.stderr


@pytest.mark.slow
def test_dvc_exp_run_with_a_set_param(recorded):
    repo, _ = recorded
    res = tool(
        "dvc",
        "exp",
        "run",
        "-S",
        "sources.ding.gan.optim.lr=0.0003",
        "train-ding-gan",
        cwd=repo,
        timeout=600,
    )
    assert "train-ding-gan" in res.stdout + res.stderr
    shown = tool("dvc", "exp", "show", "--json", cwd=repo).stdout
    assert "0.0003" in shown

"""DVC: one source of truth with the Snakefile; record, push, pull; per-key params; exp run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ganrepro.config import parse_params
from ganrepro.jobs import Table

from ..conftest import BIN, copy_repo, git, require_free_space, snakemake, tool
from .test_jobs import FRANK_WGAN, set_cherry_pool
from .test_reruns import edited

KNOBS = re.compile(r"(?: --(?:threads|device) \S+)* > \S+ 2>&1$")


def snakemake_jobs(repo, *extra) -> dict[str, dict]:
    """Every job of a forced dry run (``--config`` overrides in ``extra``), by its first
    output: its rule, input and output files and its command without the runtime knobs
    (--threads, --device) and the log redirection."""
    out = snakemake("-n", "-p", "--forceall", *extra, cwd=repo, check=True).stdout
    jobs = {}
    for block in out.split("\n\n"):
        head = re.search(r"^(?:local)?rule (\w+):$", block, re.M)
        if not head or head[1] == "all":
            continue
        fields = dict(re.findall(r"^    (\w+): (.*)$", block, re.M))
        outputs = [o.removesuffix(" (update)") for o in fields["output"].split(", ")]
        cmd = re.search(r"^Shell command: (.*)$", block, re.M)[1]
        jobs[outputs[0]] = {
            "rule": head[1],
            "inputs": set(fields["input"].split(", ")) if "input" in fields else set(),
            "outputs": set(outputs),
            "cmd": KNOBS.sub("", cmd),
        }
    return jobs


def stage_files(stage: dict) -> set[str]:
    return {
        item if isinstance(item, str) else next(iter(item))
        for kind in ("outs", "metrics", "plots")
        for item in stage.get(kind, [])
    }


def drift(repo, dvc_yaml, *extra) -> list[str]:
    """Every difference between dvc.yaml's stages and the Snakemake jobs of the same scale:
    one stage per job, the same command, the same files read (deps less the code) and
    written, and params keys that are the job's."""
    from ganrepro.config import parse_params
    from ganrepro.jobs import Table

    raw = yaml.safe_load((repo / "params.yaml").read_text())
    scale = next((e.split("=")[1] for e in extra if e.startswith("scale=")), None)
    table = Table(parse_params(raw, scale, rehearse="rehearse=true" in extra), raw)
    jobs = snakemake_jobs(repo, *extra)
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    problems = []
    matched = set()
    for name, stage in stages.items():
        outs = stage_files(stage)
        job = next((j for first, j in jobs.items() if first in outs), None)
        if job is None:
            problems.append(f"{name}: no Snakemake job writes {sorted(outs)[0]}")
            continue
        matched.add(next(first for first in jobs if first in outs))
        code = set(table.jobs[name].code) if name in table.jobs else set()
        # Snakemake's side of the settings: the stamp its job reads (written at parse time)
        stamps = [p for p in job["inputs"] if p.startswith(f"{table.tree.root}/settings/")]
        assert len(stamps) == 1, (name, job["inputs"])
        stamp = json.loads((repo / stamps[0]).read_text())
        checks = {
            "cmd": (stage["cmd"], job["cmd"]),
            "outs": (outs, job["outputs"]),
            "deps": (set(stage["deps"]) - code, job["inputs"] - {stamps[0]}),
            "params": (stage.get("params", []), [k for k in stamp if k != "job"]),
            "job": (name, stamp["job"]),
        }
        problems += [f"{name}: {k} {a!r} != {b!r}" for k, (a, b) in checks.items() if a != b]
    problems += [f"Snakemake job {first} has no stage" for first in set(jobs) - matched]
    return problems


def test_committed_dvc_yaml_is_generated_from_params_and_catalog(root):
    tool("ganrepro", "dvc-yaml", "--check", "dvc.yaml", cwd=root)


def test_the_documented_dvc_dag_recipe_shows_one_stages_upstream(root, tmp_path):
    """docs/dvc.md: `dvc dag --mermaid STAGE` (the whole graph is 116 stages wide): the chart
    has exactly the stages the job table says the figure needs, transitively, and its edges."""
    stage = "figure-frank-fig7_fid_curves"
    assert f"dvc dag --mermaid {stage}" in (root / "docs" / "dvc.md").read_text()
    repo = copy_repo(root, tmp_path / "repo")
    git(repo, "init", "-q")
    out = tool("dvc", "dag", "--mermaid", stage, cwd=repo).stdout
    nodes = dict(re.findall(r'^\s*(node\d+)\["([^"]+)"\]', out, re.M))
    edges = {(nodes[a], nodes[b]) for a, b in re.findall(r"(node\d+)-->(node\d+)", out)}
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    table = Table(parse_params(raw), raw)
    by_output = {f: job for job in table.jobs.values() for f in job.outputs.values()}
    needs, frontier = {stage}, [stage]
    while frontier:
        for f in table.jobs[frontier.pop()].input_files():
            up = by_output.get(f)
            if up is not None and up.name not in needs:
                needs.add(up.name)
                frontier.append(up.name)
    assert set(nodes.values()) == needs
    assert ("evaluate-frank-wgan_gp", stage) in edges and (
        "prepare_data-photos",
        "stats-photos",
    ) in edges
    assert all(len(line) < 100 for line in out.splitlines())  # readable


@pytest.mark.parametrize("scale", ["quick", "full", "rehearsal"])
def test_every_dvc_stage_is_the_snakemake_job_of_the_same_scale(root, tmp_path, scale):
    repo = copy_repo(root, tmp_path / "repo")
    dvc_yaml = repo / "dvc.yaml"
    config = ["rehearse=true"] if scale == "rehearsal" else [f"scale={scale}"]
    if scale != "quick":
        dvc_yaml = tmp_path / f"dvc-{scale}.yaml"
        flags = ["--scale", "full", "--rehearse"] if scale == "rehearsal" else ["--scale", scale]
        tool("ganrepro", "dvc-yaml", *flags, "--out", str(dvc_yaml), cwd=repo)
    assert drift(repo, dvc_yaml, "--config", *config) == []


def test_drift_is_caught(root, tmp_path):
    repo = copy_repo(root, tmp_path)
    # a rule added on one side only
    with open(repo / "workflow/rules/report.smk", "a") as fh:
        fh.write(
            '\n\nrule extra:\n    input:\n        "results/quick/report/index.html",\n'
            '    output:\n        "results/quick/report/extra.txt",\n    log:\n'
            '        "logs/extra.log",\n    shell:\n        "touch {output}"\n'
        )
    (repo / "Snakefile").write_text(
        (repo / "Snakefile")
        .read_text()
        .replace(
            "        TREE.report,",
            '        TREE.report,\n        "results/quick/report/extra.txt",',
            1,
        )
    )
    # and a stage whose command and deps were edited by hand
    dvc = yaml.safe_load((repo / "dvc.yaml").read_text())
    dvc["stages"]["train-frank-wgan"]["cmd"] += " --restart"
    dvc["stages"]["evaluate-frank-wgan"]["deps"].remove("results/quick/runs/frank/wgan/ckpt")
    (repo / "dvc.yaml").write_text(yaml.safe_dump(dvc, sort_keys=False))
    problems = drift(repo, repo / "dvc.yaml", "--config", "scale=quick")
    assert any(p.startswith("train-frank-wgan: cmd") for p in problems)
    assert any(p.startswith("evaluate-frank-wgan: deps") for p in problems)
    assert "Snakemake job results/quick/report/extra.txt has no stage" in problems
    assert len(problems) == 3, problems


def test_each_stage_lists_the_params_keys_its_job_reads(root):
    dvc = yaml.safe_load((root / "dvc.yaml").read_text())
    assert dvc["stages"]["train-frank-wgan"]["params"] == ["seed", "standins", "sources.frank.wgan"]
    evaluate = dvc["stages"]["evaluate-frank-wgan"]["params"]
    assert "evaluation.n_samples" in evaluate and "evaluation.cherry_pool" not in evaluate
    assert dvc["stages"]["visuals-acwgan-cifar10-cherry"]["params"] == [
        "sources.acwgan.cifar10",
        "evaluation.seed",
        "evaluation.cherry_pool",
    ]
    assert dvc["stages"]["evaluate-frank-wgan"]["metrics"] == [
        {"results/quick/runs/frank/wgan/metrics.json": {"cache": True}}
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


def run_script(repo: Path, script: str) -> None:
    """One of the project's scripts in ``repo`` (its .venv: this environment)."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "GANREPRO_NO_INSTALL": "1",
    }
    res = subprocess.run(["bash", script], cwd=repo, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]


@pytest.fixture(scope="module")
def recorded(quick_dag, tmp_path_factory):
    """A copy of the quick DAG's repository (the other tests keep theirs untouched), its
    outputs recorded into dvc.lock (`dvc commit -f`) and pushed."""
    base = tmp_path_factory.mktemp("dvc")
    require_free_space(base, 2.0)  # the copy, its cache and the remote: three copies of results
    quick_dag = Path(shutil.copytree(quick_dag, base / "repo", symlinks=True))
    remote = base / "dvc-remote"
    tool("dvc", "remote", "modify", "--local", "local", "url", str(remote), cwd=quick_dag)
    (quick_dag / ".venv").symlink_to(BIN.parent)  # the scripts' environment: this one
    run_script(quick_dag, "scripts/dvc-record.sh")  # dvc commit --force, snakemake --touch
    status = tool("dvc", "status", "--json", cwd=quick_dag)
    assert json.loads(status.stdout) == {}, status.stdout[:2000]
    res = snakemake("-n", cwd=quick_dag, check=True)  # and Snakemake agrees
    assert "Nothing to be done" in res.stdout + res.stderr
    tool("dvc", "push", cwd=quick_dag)
    git(quick_dag, "add", "dvc.lock")
    git(quick_dag, "commit", "-qm", "record quick outputs")
    return quick_dag, remote


@pytest.mark.slow
def test_dvc_marks_stale_the_stages_whose_keys_changed(recorded):
    """DVC compares the params.yaml keys a stage lists (with its per-scale mappings whole):
    an evaluation setting read by one sample part makes that part and the report stale."""
    repo, _ = recorded
    original = edited(repo, set_cherry_pool)
    try:
        status = json.loads(tool("dvc", "status", "--json", cwd=repo).stdout)
        assert set(status) == {"visuals-acwgan-cifar10-cherry", "report"}
    finally:
        (repo / "params.yaml").write_text(original)


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
        assert set(status) == FRANK_WGAN  # every stage that lists the run's key, and the report
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
        tool("dvc", "checkout", "--force", cwd=repo)


@pytest.mark.slow
def test_fresh_clone_pulls_identical_files_and_snakemake_has_nothing_to_do(recorded, tmp_path):
    repo, remote = recorded
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    tool("dvc", "remote", "modify", "--local", "local", "url", str(remote), cwd=clone)
    (clone / ".venv").symlink_to(BIN.parent)
    run_script(clone, "scripts/dvc-pull.sh")  # dvc pull, snakemake --touch
    # every output DVC tracks: not training's own state/ nor the workflow's settings stamps
    # (tb/ event files are whole files written once: they come back identical)
    files = [
        p.relative_to(repo)
        for p in (repo / "results").rglob("*")
        if p.is_file()
        and p.name != ".gitignore"
        and "state" not in p.relative_to(repo).parts
        and p.relative_to(repo).parts[2:3] != ("settings",)
        and p.name != "resources.jsonl"  # what the jobs cost here: not a result
    ]
    assert len(files) > 100
    for rel in files:
        assert (clone / rel).read_bytes() == (repo / rel).read_bytes(), rel
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

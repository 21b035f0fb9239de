"""A changed setting reruns exactly what depends on it, in the real Snakemake (its ``params:``
carry the hash of the settings each job reads), after the whole quick DAG has run once (DVC's
view of the same edits: test_dvc.py). The expected sets are test_jobs.py's."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from ganrepro.config import parse_params
from ganrepro.jobs import Table

from ..conftest import require_free_space, snakemake
from .test_jobs import CASES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repo(quick_dag, tmp_path_factory):
    """A copy of the quick DAG's repository (the other tests keep theirs untouched)."""
    dest = tmp_path_factory.mktemp("reruns") / "repo"
    require_free_space(dest.parent, 1.0)  # the copy of the quick results
    shutil.copytree(quick_dag, dest, symlinks=True)
    res = snakemake("-n", cwd=dest, check=True)
    assert "Nothing to be done" in res.stdout + res.stderr
    return dest


def would_run(repo) -> set[str]:
    """The jobs a dry run would run, by job-table name (each found by its first output)."""
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    table = Table(parse_params(raw), raw)
    out = snakemake("-n", cwd=repo, check=True).stdout
    firsts = re.findall(
        r"^(?:local)?rule (?!all:)\w+:\n(?:    .*\n)*?    output: ([^,\n]+)", out, re.M
    )
    return {table.producing(p.removesuffix(" (update)")).name for p in firsts}


def edited(repo, edit) -> str:
    """Write params.yaml with ``edit`` applied; return the original text."""
    text = (repo / "params.yaml").read_text()
    raw = json.loads(json.dumps(yaml.safe_load(text)))  # unshare YAML aliases
    edit(raw)
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return text


@pytest.mark.parametrize(
    ("edit", "stale"), [(edit, stale) for edit, _, stale in CASES.values()], ids=CASES.keys()
)
def test_snakemake_reruns_exactly_what_a_setting_affects(repo, edit, stale):
    original = edited(repo, edit)
    try:
        assert would_run(repo) == stale
    finally:
        (repo / "params.yaml").write_text(original)


def test_a_dataset_setting_reruns_that_datasets_jobs(repo):
    original = edited(repo, lambda r: r["datasets"].update(digits_test_fraction=0.25))
    try:
        ran = would_run(repo)
    finally:
        (repo / "params.yaml").write_text(original)
    raw = yaml.safe_load(original)
    runs = parse_params(raw).runs
    digits = {r.replace("/", "-") for r, run in runs.items() if run.data == "digits"}
    assert {n for n in ran if n.startswith("train-")} == {f"train-{r}" for r in digits}
    assert "prepare_data-digits" in ran and "prepare_data-photos" not in ran
    assert not any(n.startswith("train-frank") for n in ran)


def test_a_comment_only_edit_reruns_nothing(repo):
    original = (repo / "params.yaml").read_text()
    (repo / "params.yaml").write_text(
        "# a comment at the top\n" + original.replace("\nseed:", "\n# a comment\nseed:", 1)
    )
    try:
        res = snakemake("-n", cwd=repo, check=True)
        assert "Nothing to be done" in res.stdout + res.stderr
    finally:
        (repo / "params.yaml").write_text(original)


# Runs a ganrepro command and writes the files of the ganrepro modules it imported.
TRACE = """\
import atexit, sys
out = sys.argv.pop(1)
def dump():
    files = {getattr(m, "__file__", None) for m in list(sys.modules.values())
             if getattr(m, "__name__", "").startswith("ganrepro")}
    open(out, "w").write("\\n".join(sorted(f for f in files if f)))
atexit.register(dump)
from ganrepro.cli import main
sys.exit(main(sys.argv[1:]))
"""
PLUMBING = ("src/ganrepro/__init__.py", "src/ganrepro/cli")  # not code deps (jobs.CODE)


def traced_jobs(table: Table) -> list:
    """One job of each rule, of each figure and table kind and of each sample part."""
    from ganrepro.outputs import catalog

    picked = {}
    for job in table.jobs.values():
        if job.rule in ("figure", "table"):
            source, name = job.name.split("-", 2)[1:]
            kind = catalog.get(job.rule, source, name).kind
            key = (job.rule, kind)
        elif job.rule == "visuals":
            key = (job.rule, job.name.rsplit("-", 1)[1])
        elif job.rule == "train":  # the cheapest run: an MLP
            if "ding-gan" not in job.name:
                continue
            key = (job.rule,)
        else:
            key = (job.rule,)
        picked.setdefault(key, job)
    return list(picked.values())


def test_each_stages_code_deps_cover_every_module_its_command_imports(quick_dag, root, tmp_path):
    """Run one job of each kind (outputs redirected to a temporary folder) and check that
    every ganrepro module it imports is among its stage's code deps."""
    import subprocess
    import sys

    raw = yaml.safe_load((quick_dag / "params.yaml").read_text())
    table = Table(parse_params(raw), raw)
    # the traced training and classifier: a few steps, the same code
    short = json.loads(json.dumps(raw))
    short["sources"]["ding"]["gan"]["schedule"]["epochs"] = 0.05
    short["classifier"]["epochs"] = 1
    (tmp_path / "short.yaml").write_text(yaml.safe_dump(short, sort_keys=False))

    def trace(i: int, job) -> set[str]:
        """The ganrepro modules ``job`` imports, its outputs redirected."""
        args = list(job.args)
        for j, a in enumerate(args):
            if args[j - 1] == "--out" or a in job.outputs.values():
                args[j] = str(tmp_path / f"{i}-{a.replace('/', '_')}")
            elif args[j - 1] == "--params" and job.rule in ("train", "classifier"):
                args[j] = str(tmp_path / "short.yaml")
        modules = tmp_path / f"{i}.txt"
        res = subprocess.run(
            [sys.executable, "-c", TRACE, str(modules), *args, "--device", "cpu"][
                : None if "device" in job.knobs else -2
            ],
            cwd=quick_dag,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert res.returncode == 0, (job.name, res.stderr[-2000:])
        return {str(Path(f).resolve().relative_to(root)) for f in modules.read_text().split()}

    jobs = traced_jobs(table)
    with ThreadPoolExecutor(2) as pool:  # one process a core; their outputs go to tmp_path
        imports = list(pool.map(trace, range(len(jobs)), jobs))
    uncovered = {}
    for job, imported in zip(jobs, imports, strict=True):
        missing = {
            m
            for m in imported
            if not any(m == c or m.startswith(c + "/") for c in (*job.code, *PLUMBING))
        }
        if missing:
            uncovered[job.name] = sorted(missing)
    assert uncovered == {}
    assert {j.rule for j in traced_jobs(table)} == {j.rule for j in table.jobs.values()}

"""Shared fixtures: the repository root, the shipped params, small prepared datasets."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from . import background

ROOT = Path(__file__).resolve().parents[1]
# The quick DAG builds in the background beside the other tests (tests/background.py). OpenMP
# threads that wait for work spin by default, taking a core from the process beside them:
# tests/evaluate/test_inception.py took 28 s alone, 54 s beside a one-core busy loop, 48 s
# there with passive waiting (28 s alone with it). Every process of the session inherits it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_addoption(parser):
    parser.addoption(
        "--device",
        default="cpu",
        help="where the tests marked `device` run (cpu, cuda): benchmarks/gpu_check.sh passes "
        "--device cuda on a GPU machine",
    )


@pytest.fixture(scope="session")
def device(request) -> str:
    """The device of the tests that take one (``-m device``): ``--device``, default cpu."""
    import torch

    name = request.config.getoption("--device")
    if name.startswith("cuda") and not torch.cuda.is_available():
        pytest.fail(f"--device {name}: no CUDA device here")
    return name


@pytest.fixture(scope="session")
def raw_params() -> dict:
    """params.yaml as loaded from YAML (anchors merged), before validation."""
    return yaml.safe_load((ROOT / "params.yaml").read_text())


@pytest.fixture
def fresh_raw(raw_params) -> dict:
    # A JSON round trip, not deepcopy: YAML aliases share objects, and a test editing one run
    # must not edit every run that merged the same anchor.
    return json.loads(json.dumps(raw_params))


@pytest.fixture(scope="session")
def quick_params():
    from ganrepro.config import load_params

    return load_params(ROOT / "params.yaml", scale="quick")


@pytest.fixture(scope="session")
def prepared(tmp_path_factory, quick_params) -> dict[str, Path]:
    """The two stand-ins, prepared once per session: {name: npz path}."""
    from ganrepro.data.store import prepare

    folder = tmp_path_factory.mktemp("data")
    return {
        name: prepare(name, folder / f"{name}.npz", quick_params.datasets)
        for name in ("digits", "photos")
    }


# --- the real workflow in a copy of the repository (workflow, DVC and SLURM tests) ---

BIN = Path(sys.executable).parent


def snakemake(*args, cwd, timeout=3000, check=False, env=None):
    env = env or {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    res = subprocess.run(
        [str(BIN / "snakemake"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res


def copy_repo(root: Path, dest: Path) -> Path:
    """The tracked files of the repository (what a clean clone has)."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if (root / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, dest / name)
    return dest


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout


def tool(name: str, *args: str, cwd: Path, timeout=1200, check=True, env=None):
    """A console script of this environment (dvc, ganrepro...); ``env``: more variables."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    res = subprocess.run(
        [str(BIN / name), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check:
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res


def require_free_space(path: Path, gib: float) -> None:
    """Fail with one clear line when the disk cannot hold what a workflow test writes (a full
    disk otherwise surfaces as a tool's bare exit status, e.g. `dvc commit` returning 1)."""
    free = shutil.disk_usage(path).free / 2**30
    if free < gib:
        pytest.fail(f"{free:.1f} GiB free under {path}; this test writes about {gib:g} GiB")


@background.build("quick_dag")
def _quick_dag(folder: Path) -> background.Spec:
    """The whole quick DAG in a copy of the repository; one CFG run made to diverge. Both
    cores at the lowest priority (nice 19): the tests that run beside it take the CPU they
    need, and the build takes what they leave idle (OMP_WAIT_POLICY above)."""
    repo = copy_repo(ROOT, folder / "repo")
    require_free_space(repo, 2.0)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["sources"]["zhu"]["cfg_dcgan_mnist"]["cfg"]["guard"] = 1.0e-9  # diverges at once
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "copy")
    argv = ["nice", "-n", "19", str(BIN / "snakemake"), "--cores", "2"]
    return background.Spec(repo, argv, timeout=3000)


@pytest.fixture(scope="session")
def quick_dag(tmp_path_factory) -> Path:
    """The quick DAG's repository once its run has ended (started with the session, see
    tests/background.py)."""
    repo, status, stderr = background.wait("quick_dag", tmp_path_factory)
    assert status == 0, stderr[-5000:]
    return repo


@pytest.fixture(scope="session", autouse=True)
def _background_builds(request, tmp_path_factory):
    """Start, at the session's first test, every long workflow run a collected test reads;
    stop what still runs when the session ends (a failure, -x, Ctrl-C)."""
    background.start_needed(request.session.items, tmp_path_factory)
    yield
    background.stop_all(tmp_path_factory.getbasetemp())


def pytest_configure(config) -> None:
    """SIGTERM (`timeout`, a CI job's limit, `kill`) ends the session as Ctrl-C does: pytest
    then tears the session down, which stops the background builds; killed outright, it would
    leave a whole quick DAG running in its own process group."""

    def interrupt(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the teardown
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


def pytest_collection_modifyitems(config, items) -> None:
    """The test files that read a background build run after the others, which run beside it;
    the order inside a file is kept."""
    waits = {item.path for item in items if set(item.fixturenames) & background.BUILDS.keys()}
    first = {}
    for i, item in enumerate(items):
        first.setdefault(item.path, i)
    items.sort(key=lambda it: (it.path in waits, first[it.path]))

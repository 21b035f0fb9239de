"""The suite's longest setup, the quick DAG, started in the background at the first test.

The quick DAG (~20 CPU-minutes) is what most of the suite's end-to-end tests read. Run where a
fixture first asked for it, it held the whole session while the tests that do not read it waited
behind it. Here the first test of the session starts every build that some collected test needs
(``build`` registers one per fixture name), as a detached Snakemake process; the tests that need
none run beside it, and the fixture that needs one waits for its exit status. A build still
running when the session ends (a failure, ``-x``, Ctrl-C) is stopped with its process group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Spec:
    """What a build runs: ``argv`` in ``cwd``, for at most ``timeout`` seconds."""

    cwd: Path
    argv: list[str]
    timeout: float


BIN = Path(sys.executable).parent  # this environment's console scripts (snakemake, ganrepro)
# name of the fixture that reads a build -> prepares its folder, returns what to run there
BUILDS: dict[str, Callable[[Path], Spec]] = {}


def build(name: str):
    """Register ``prepare(folder) -> Spec`` as the build that fixture ``name`` reads."""

    def register(prepare: Callable[[Path], Spec]) -> Callable[[Path], Spec]:
        BUILDS[name] = prepare
        return prepare

    return register


def start(name: str, base: Path) -> Path:
    """Start build ``name`` in ``base`` unless it was started; its folder."""
    folder = base / f"build-{name}"
    if (folder / "started").exists():
        return folder
    folder.mkdir(exist_ok=True)
    spec = BUILDS[name](folder)
    # the wrapper writes the exit status once the run ends
    script = (
        '"$@" > "$0/stdout" 2> "$0/stderr"; echo $? > "$0/status.tmp"; '
        'mv "$0/status.tmp" "$0/status"'
    )
    proc = subprocess.Popen(
        ["bash", "-c", script, str(folder), *spec.argv],
        cwd=spec.cwd,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        # its own process group, stopped as one at the end; the session's, so that the
        # kernel's autogroup scheduling lets its nice value count against the tests beside it
        process_group=0,
    )
    (folder / "pgid").write_text(str(proc.pid))
    (folder / "cwd").write_text(str(spec.cwd))
    (folder / "deadline").write_text(str(time.time() + spec.timeout))
    (folder / "started").write_text(" ".join(spec.argv))
    return folder


def wait(name: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """Build ``name``'s folder, exit status and standard error, once it has ended (started
    here if no process of the session did)."""
    folder = start(name, tmp_path_factory.getbasetemp())
    deadline = float((folder / "deadline").read_text())
    while not (folder / "status").exists():
        if time.time() > deadline:
            stop(folder)
            pytest.fail(f"the background build {name!r} ran past its time limit")
        time.sleep(1.0)
    status = int((folder / "status").read_text())
    return Path((folder / "cwd").read_text()), status, (folder / "stderr").read_text()


def start_needed(items: list[pytest.Item], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Start every build that a collected test reads (directly or through another fixture)."""
    needed = {name for item in items for name in getattr(item, "fixturenames", ())}
    for name in sorted(needed & BUILDS.keys()):
        start(name, tmp_path_factory.getbasetemp())


def stop(folder: Path) -> None:
    """Stop a build's process group if it still runs (SIGTERM: Snakemake removes the outputs of
    the jobs it was running; SIGKILL after 30 s)."""
    if (folder / "status").exists() or not (folder / "pgid").exists():
        return
    pgid = int((folder / "pgid").read_text())
    for sig, grace in ((signal.SIGTERM, 30.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        end = time.monotonic() + grace
        while time.monotonic() < end:
            try:  # the wrapper is this process's child: reap it, or it stays in the group
                os.waitpid(pgid, os.WNOHANG)
            except ChildProcessError:
                pass
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


def stop_all(base: Path) -> None:
    for folder in base.glob("build-*/"):
        stop(folder)

"""The background builds (tests/background.py) end with the session, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

CONFTEST = """
import sys
sys.path.insert(0, {root!r})
from tests import background
from tests.conftest import _background_builds, pytest_collection_modifyitems, pytest_configure

@background.build("sleeper")
def _sleeper(folder):
    return background.Spec(folder, ["sleep", "300"], timeout=600)
"""
TEST = """
import time
from tests import background

def test_waits(tmp_path_factory):
    background.wait("sleeper", tmp_path_factory)

def test_needs_it(sleeper):  # (never reached: the first test waits)
    pass
"""


def test_sigterm_to_the_session_stops_its_background_builds(root, tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST.format(root=str(root)))
    (tmp_path / "test_x.py").write_text(TEST)
    base = tmp_path / "base"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={base}",
         str(tmp_path / "test_x.py")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    pgid_file, pgid = base / "build-sleeper" / "pgid", None
    try:
        deadline = time.monotonic() + 60
        while not pgid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pgid_file.exists(), "the build did not start"
        pgid = int(pgid_file.read_text())
        os.killpg(pgid, 0)  # the build runs
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=60)[0].decode()
        assert proc.returncode != 0, out[-2000:]  # interrupted, not passed
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return  # the build's process group is gone
            time.sleep(0.2)
        raise AssertionError(f"the build (group {pgid}) outlived the session:\n{out[-2000:]}")
    finally:  # whatever failed above, leave nothing running
        proc.kill()
        proc.wait(timeout=30)
        if pgid is not None:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass

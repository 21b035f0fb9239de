"""A disk that fills up while a checkpoint is written: the process exits 1 with one line, the
previous state is untouched and loads, and a rerun with room ends byte-identical. Shown with a
file-size limit (``ulimit -f``: EFBIG), and with a real ENOSPC on a small tmpfs where user
namespaces allow mounting one."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

import pytest

from ganrepro.train import checkpoint

from . import procs
from .helpers import bytes_lost, leftovers, record, train_argv


def test_a_full_disk_while_checkpointing_keeps_the_previous_state(
    stopped, reference, tiny, prepared, tmp_path
):
    out = shutil.copytree(stopped, tmp_path / "run")
    before = (out / "state/resume.pt").read_bytes()
    step = checkpoint.load(out / "state/resume.pt")["step"]
    # save resume.pt after every step, in files of at most half a checkpoint
    argv = train_argv(tiny, prepared["photos"], out, save_every=0)
    code, output = procs.run(argv, tmp_path / "full.log", max_file_bytes=len(before) // 2)
    last = output.strip().splitlines()[-1]
    kept = (out / "state/resume.pt").read_bytes() == before and leftovers(out) == []
    clear = code == 1 and "Traceback" not in output and "not written (File too large)" in last
    assert checkpoint.load(out / "state/resume.pt")["step"] == step
    code2, output2 = procs.run(argv, tmp_path / "rerun.log")
    lost = bytes_lost(out, reference["outputs"])
    record(kept and clear and code2 == 0 and lost == 0, lost)
    assert clear, output
    assert str(out) in last and "the previous version, if any, is intact" in last
    assert kept
    assert code2 == 0, output2
    assert lost == 0


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="no user namespaces to mount a small tmpfs")
def test_a_real_enospc_on_a_small_tmpfs_keeps_the_previous_state(
    stopped, reference, tiny, prepared, tmp_path
):
    """The same on a real full file system: a tmpfs with room for the run folder and half a
    checkpoint more, mounted in a private mount namespace around one `ganrepro train`."""
    before = (stopped / "state/resume.pt").read_bytes()
    size = sum(f.stat().st_size for f in stopped.rglob("*") if f.is_file()) + len(before) // 2
    mnt, after = tmp_path / "mnt", tmp_path / "run"
    mnt.mkdir()
    argv = train_argv(tiny, prepared["photos"], mnt / "run", save_every=0)
    train = shlex.join([sys.executable, "-m", "ganrepro.cli", *argv])
    m, src, dst = (shlex.quote(str(p)) for p in (mnt, stopped, after))
    script = (
        f"mount -t tmpfs -o size={size} tmpfs {m} && cp -a {src} {m}/run && "
        f"{{ {train}; echo exit=$?; }}; cp -a {m}/run {dst}"
    )
    res = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True)
    output = res.stdout + res.stderr
    lines = output.strip().splitlines()
    clear = "exit=1" in lines and any(
        "not written (No space left on device)" in line and "Traceback" not in output
        for line in lines
    )
    kept = (after / "state/resume.pt").read_bytes() == before and leftovers(after) == []
    code, output2 = procs.run(train_argv(tiny, prepared["photos"], after), tmp_path / "rerun.log")
    lost = bytes_lost(after, reference["outputs"])
    record(clear and kept and code == 0 and lost == 0, lost)
    assert clear, output
    assert kept
    assert code == 0, output2
    assert lost == 0

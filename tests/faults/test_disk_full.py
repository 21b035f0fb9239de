"""A disk that fills up while a checkpoint is written (a file-size limit, as ``ulimit -f``: the
write fails with EFBIG as it would with ENOSPC): the process exits 1 with one line, the previous
state is untouched and loads, and a rerun with room ends byte-identical."""

from __future__ import annotations

import shutil

from ganrepro.train import checkpoint

from . import procs
from .helpers import bytes_lost, leftovers, record, train_argv


def test_a_full_disk_while_checkpointing_keeps_the_previous_state(
    stopped, reference, tiny, prepared, tmp_path
):
    out = shutil.copytree(stopped, tmp_path / "run")
    before = (out / "resume.pt").read_bytes()
    step = checkpoint.load(out / "resume.pt")["step"]
    # save resume.pt after every step, in files of at most half a checkpoint
    argv = train_argv(tiny, prepared["photos"], out, save_every=0)
    code, output = procs.run(argv, tmp_path / "full.log", max_file_bytes=len(before) // 2)
    last = output.strip().splitlines()[-1]
    kept = (out / "resume.pt").read_bytes() == before and leftovers(out) == []
    clear = code == 1 and "Traceback" not in output and "not written (File too large)" in last
    assert checkpoint.load(out / "resume.pt")["step"] == step
    code2, output2 = procs.run(argv, tmp_path / "rerun.log")
    lost = bytes_lost(out, reference["outputs"])
    record(kept and clear and code2 == 0 and lost == 0, lost)
    assert clear, output
    assert str(out) in last and "the previous version, if any, is intact" in last
    assert kept
    assert code2 == 0, output2
    assert lost == 0

"""Atomic writes: a failure midway leaves the previous file intact and no temp file behind.
Reading: a damaged file is one error naming it and what to do."""

from __future__ import annotations

import errno
import json
import os

import pytest
import torch

from ganrepro.io import (
    DamagedFile,
    UnsafeFile,
    WriteFailed,
    atomic_open,
    load_tensors,
    reading,
    remove_stale_temps,
    write_json,
)


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "metrics.json"
    write_json(path, {"a": 1})
    with pytest.raises(RuntimeError), atomic_open(path) as fh:
        fh.write(b'{"a": 2, "trunc')
        raise RuntimeError("killed midway")
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_written_file_gets_normal_permissions(tmp_path):
    path = tmp_path / "x.json"
    write_json(path, [])
    assert path.stat().st_mode & 0o044 == 0o044  # group/other readable like any new file


def test_a_full_disk_is_one_error_that_keeps_the_old_file(tmp_path):
    path = tmp_path / "state.bin"
    path.write_bytes(b"old")
    with pytest.raises(WriteFailed, match=f"{path} not written .*previous version") as err:
        with atomic_open(path) as fh:
            fh.write(b"new")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert err.value.errno == errno.ENOSPC
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def test_stale_temp_files_are_removed_and_nothing_else(tmp_path):
    (tmp_path / ".resume.pt.abc123.tmp").write_bytes(b"half")
    (tmp_path / "resume.pt").write_bytes(b"whole")
    remove_stale_temps(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["resume.pt"]


@pytest.mark.parametrize("content", [b"", b"garbage", b"PK\x03\x04 truncated zip"])
def test_damaged_torch_files_name_the_file_and_the_fix(tmp_path, content):
    path = tmp_path / "x.pt"
    path.write_bytes(content)
    with pytest.raises(DamagedFile, match=f"^{path}: not a readable thing .*; rerun it$") as err:
        load_tensors(path, "thing", "rerun it")
    assert "\n" not in str(err.value) and not isinstance(err.value, UnsafeFile)


def test_a_torch_file_of_anything_but_a_dict_is_not_a_checkpoint(tmp_path):
    torch.save(torch.zeros(2), tmp_path / "x.pt")
    with pytest.raises(DamagedFile, match="not a thing .it holds a Tensor"):
        load_tensors(tmp_path / "x.pt", "thing", "rerun it")


def test_reading_lets_the_callers_own_refusals_through(tmp_path):
    class Refusal(ValueError):
        pass

    with pytest.raises(Refusal), reading(tmp_path / "x", "thing", "fix", keep=(Refusal,)):
        raise Refusal("not this one")
    with pytest.raises(DamagedFile, match="truncated or foreign content: KeyError"):
        with reading(tmp_path / "x", "thing", "fix"):
            raise KeyError("meta")


def test_a_command_removes_what_a_killed_run_of_it_left_beside_its_output(tmp_path):
    from ganrepro.cli import main

    (tmp_path / ".schema.json.abc123.tmp").write_bytes(b"half")
    (tmp_path / ".other.json.abc123.tmp").write_bytes(b"another writer's")
    assert main(["schema", "--out", str(tmp_path / "schema.json")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.json.abc123.tmp", "schema.json"]

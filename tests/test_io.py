"""Atomic writes: a failure midway leaves the previous file intact and no temp file behind."""

from __future__ import annotations

import json

import pytest

from ganrepro.io import atomic_open, write_json


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

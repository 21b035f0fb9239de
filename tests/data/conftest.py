"""The full-size rehearsal archives, written once per session (the slowest part of tests/data)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Rehearsal:
    folder: Path  # {dataset}/{filename} and manifest.json
    manifest: dict
    drawn: dict  # {dataset: {split: (x, y)}}: the arrays the generator drew and wrote
    seconds: float  # how long write_archives took


@pytest.fixture(scope="session")
def rehearsal(tmp_path_factory) -> Rehearsal:
    from ganrepro.data import synthetic

    folder = tmp_path_factory.mktemp("rehearsal")
    drawn = {}
    draw = synthetic.draw

    def keep(name, *args):  # the generator itself, its arrays kept to compare with
        drawn[name] = draw(name, *args)
        return drawn[name]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(synthetic, "draw", keep)
        start = time.perf_counter()
        manifest = synthetic.write_archives(folder)
        seconds = time.perf_counter() - start
    return Rehearsal(folder, manifest, drawn, seconds)

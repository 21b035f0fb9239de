"""The fault-injection suite: real processes killed, starved of disk, fed NaN and raced, each
checked against an uninterrupted run. The counts (faults injected, survived, bytes lost) are
printed at the end of the session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

TALLY = {"injected": 0, "survived": 0, "bytes_lost": 0}
RUN = "frank/wgan_gp"  # DCGAN + BatchNorm + gradient penalty: the richest checkpoint state
ITERATIONS = 12


def record(survived: bool, bytes_lost: int = 0) -> None:
    """Count one injected fault: whether everything held, and how many bytes of the good
    results were lost (missing, or differing from an uninterrupted run's)."""
    TALLY["injected"] += 1
    TALLY["survived"] += bool(survived)
    TALLY["bytes_lost"] += bytes_lost


def bytes_lost(folder: Path, reference: dict[str, bytes]) -> int:
    """Bytes of ``reference`` ({relative path: bytes}) that ``folder`` does not hold identically."""
    lost = 0
    for name, ref in reference.items():
        path = folder / name
        got = path.read_bytes() if path.exists() else b""
        lost += sum(a != b for a, b in zip(got, ref, strict=False)) + abs(len(ref) - len(got))
    return lost


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLY["injected"]:
        terminalreporter.write_sep("=", "fault injection")
        terminalreporter.write_line(
            f"faults injected: {TALLY['injected']}, survived: {TALLY['survived']}, "
            f"bytes lost: {TALLY['bytes_lost']}"
        )


@pytest.fixture(scope="session")
def tiny_raw(raw_params) -> dict:
    """params.yaml shrunk to seconds: a 12-iteration RUN, a one-epoch classifier, small
    sample counts."""
    raw = json.loads(json.dumps(raw_params))
    raw["evaluation"].update(
        n_samples=100,
        n_samples_test=100,
        n_samples_curve=100,
        n_reference=200,
        kid_subsets=10,
        kid_subset_size=50,
        is_splits=2,
    )
    raw["classifier"].update(epochs=1, width=8)
    source, name = RUN.split("/")
    run = raw["sources"][source][name]
    run["schedule"] = {"batch_size": 16, "n_critic": 5, "iterations": ITERATIONS}
    run["eval"] = {"checkpoints": 3}
    return raw


@pytest.fixture(scope="session")
def tiny(tiny_raw, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_text(yaml.safe_dump(tiny_raw, sort_keys=False))
    return path

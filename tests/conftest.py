"""Shared fixtures: the repository root, the shipped params, small prepared datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


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

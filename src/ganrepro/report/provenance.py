"""Where the numbers come from: commit, parameters, scale, data, package versions."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import numpy as np

PACKAGES = (
    "ganrepro",
    "torch",
    "torchvision",
    "torch-fidelity",
    "numpy",
    "snakemake",
    "snakemake-executor-plugin-slurm",
    "dvc",
    "matplotlib",
    "pandas",
)


def git_commit(cwd: Path) -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return sha + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def data_kinds(paths: Iterable[Path]) -> dict[str, str]:
    """What each prepared dataset of ``paths`` is (a real dataset or a stand-in), by its name."""
    out = {}
    for path in paths:
        with np.load(path) as z:
            meta = json.loads(str(z["meta"]))
        kind = "REHEARSAL archives in the real format" if meta.get("rehearsal") else meta["kind"]
        out[meta["name"]] = f"{kind}: {meta['description']}"
    return out


def params_digest(params_path: Path) -> str:
    import yaml

    values = json.dumps(yaml.safe_load(params_path.read_text()), sort_keys=True, default=str)
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def provenance(params_path: Path, scale: str, data: Iterable[Path]) -> dict:
    return {
        "git commit": git_commit(params_path.resolve().parent),
        # of the parsed values: a comment does not rerun the report, so it may not change this
        "params.yaml sha256 (values)": params_digest(params_path),
        "scale": scale,
        "data": data_kinds(data),
        "packages": versions(),
    }

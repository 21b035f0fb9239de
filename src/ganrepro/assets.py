"""What the jobs need from outside, checked when the workflow loads, before anything runs or is
submitted: the real datasets' archives when they come from a mirror folder, and the Inception
weights file at the full scale. Compute nodes need no internet: the datasets are prepared on
the submitting node (``prepare_data`` is a local rule; ``snakemake assets`` runs just those),
and every other job reads only files.

No torch here: this runs at every workflow load. The Inception file is checked by its sha256
prefix (the real file's name carries it); the jobs check its tensors when they load it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ganrepro.data.download import MIRROR_ENV, is_url
from ganrepro.data.registry import DATASETS

INCEPTION_ENV = "GANREPRO_INCEPTION_WEIGHTS"  # the weights file, when params.yaml names none
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"  # torch-fidelity's (tests check both)
INCEPTION_URL = (
    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/" + INCEPTION_FILE
)
INCEPTION_SHA256_PREFIX = "6726825d"


class AssetError(ValueError):
    """A missing or wrong input the jobs would fail on after submission."""


def sha256_prefix(path: Path, n: int = 8) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()[:n]


def inception_path(params) -> str | None:
    return params.evaluation.inception_weights or os.environ.get(INCEPTION_ENV)


def check_inception(params) -> str | None:
    """At the full scale with the Inception extractor: the real weights file, present; one
    line naming the file and the fix otherwise. The rehearsal writes random weights of the
    same format unless it is given the real file (then checked the same)."""
    ev = params.evaluation
    if params.scale != "full" or "inception" not in ev.extractors:
        return None
    path = inception_path(params)
    if params.rehearsal is not None and (
        path is None or Path(path).as_posix().startswith("results/rehearsal/")
    ):
        return None  # the rehearsal's own random weights, written by a job
    fix = (
        f"download {INCEPTION_URL} on a machine with internet access, copy it where the jobs "
        f"can read it, and set evaluation.inception_weights (or ${INCEPTION_ENV}) to its path"
    )
    if not path:
        raise AssetError(
            "evaluation.inception_weights: not set, and the full scale's Inception features "
            f"need torch-fidelity's {INCEPTION_FILE}: {fix}"
        )
    p = Path(path)
    if not p.is_file():
        raise AssetError(f"{path}: no Inception weights file there: {fix}")
    prefix = sha256_prefix(p)
    if prefix != INCEPTION_SHA256_PREFIX:
        raise AssetError(
            f"{path}: not torch-fidelity's {INCEPTION_FILE} (sha256 {prefix}..., the real "
            f"file's starts {INCEPTION_SHA256_PREFIX}): {fix}"
        )
    return f"Inception weights: {path} (sha256 {prefix}..., the real file)"


def check_mirror(mirror: str | None, table) -> str | None:
    """A mirror folder holds every archive of every real dataset the jobs still have to
    prepare (a URL mirror is checked by the download itself)."""
    if not mirror:
        return None
    if is_url(mirror):
        return f"datasets from the mirror {mirror}/{{dataset}}/{{file}} (md5s: the real ones)"
    root = Path(mirror)
    if not root.is_dir():
        raise AssetError(
            f"mirror {mirror}: no such folder (a folder of {{dataset}}/{{file}}, or an "
            "http(s):// URL prefix)"
        )
    for job in table.jobs.values():
        if job.rule != "prepare_data" or job.inputs or Path(job.outputs["data"]).exists():
            continue  # served rehearsal archives, or already prepared
        spec = DATASETS[job.subject]
        raw = Path(table.tree.raw) / spec.name
        for remote in spec.files:
            if (raw / remote.filename).is_file():
                continue  # downloaded earlier (its md5 is checked when it is used)
            want = root / spec.name / remote.filename
            if not want.is_file():
                raise AssetError(
                    f"mirror {mirror}: {want} is missing; put {spec.name}'s "
                    f"{remote.filename} there (md5 {remote.md5}, from {remote.url})"
                )
    return f"datasets from the mirror folder {mirror} (md5s: the real ones)"


def check_assets(params, table, mirror: str | None = None) -> list[str]:
    """Every check above; the lines worth saying when the workflow loads. Raises
    :class:`AssetError` with one line per problem, each naming the file and the fix."""
    said, problems = [], []
    for check in (lambda: check_inception(params), lambda: check_mirror(mirror, table)):
        try:
            said.append(check())
        except AssetError as exc:
            problems.append(str(exc))
    if problems:
        raise AssetError("\n".join(problems))
    return [line for line in said if line]


__all__ = ["MIRROR_ENV", "AssetError", "check_assets"]

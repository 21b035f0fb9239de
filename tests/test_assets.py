"""What the full scale needs from outside, checked before anything runs (ganrepro.assets): the
real Inception weights file, a mirror folder holding every archive; a device torch accepts.
The workflow says it when it loads (a dry run still plans), and a run stops before any job."""

from __future__ import annotations

import hashlib

import pytest

from ganrepro import assets
from ganrepro.assets import AssetError, check_inception, check_mirror
from ganrepro.config import load_params, parse_params
from ganrepro.data.registry import DATASETS
from ganrepro.jobs import Table

from .conftest import ROOT, copy_repo, snakemake, tool


@pytest.fixture(scope="module")
def full():
    return load_params(ROOT / "params.yaml", scale="full")


def with_weights(raw: dict, path) -> object:
    raw["evaluation"]["inception_weights"] = str(path)
    return parse_params(raw, "full")


def test_the_inception_constants_are_torch_fidelitys():
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    from ganrepro.evaluate import extractors

    assert assets.INCEPTION_URL == URL_INCEPTION_V3
    assert assets.INCEPTION_ENV == extractors.INCEPTION_ENV
    assert assets.INCEPTION_SHA256_PREFIX == extractors.INCEPTION_SHA256_PREFIX
    assert assets.INCEPTION_FILE == extractors.INCEPTION_FILE


def test_the_full_scale_needs_the_real_inception_file(full, fresh_raw, tmp_path, monkeypatch):
    monkeypatch.delenv(assets.INCEPTION_ENV, raising=False)
    with pytest.raises(AssetError, match=r"evaluation.inception_weights: not set.*download https"):
        check_inception(full)
    missing = tmp_path / "nowhere.pth"
    with pytest.raises(AssetError, match=f"{missing}: no Inception weights file there"):
        check_inception(with_weights(fresh_raw, missing))
    other = tmp_path / "other.pth"
    other.write_bytes(b"not the weights")
    prefix = hashlib.sha256(b"not the weights").hexdigest()[:8]
    with pytest.raises(AssetError, match=f"not torch-fidelity's .*sha256 {prefix}"):
        check_inception(with_weights(fresh_raw, other))
    # the same file, were its hash the real one's (a real file cannot be made here)
    monkeypatch.setattr(assets, "INCEPTION_SHA256_PREFIX", prefix)
    assert "the real file" in check_inception(with_weights(fresh_raw, other))
    monkeypatch.setenv(assets.INCEPTION_ENV, str(other))  # the variable, when params names none
    assert check_inception(full) is not None


def test_other_scales_and_the_rehearsal_need_no_inception_file(quick_params, monkeypatch):
    monkeypatch.delenv(assets.INCEPTION_ENV, raising=False)
    assert check_inception(quick_params) is None
    assert check_inception(load_params(ROOT / "params.yaml", rehearse=True)) is None


def test_a_mirror_folder_missing_an_archive_is_named_with_where_it_goes(full, raw_params, tmp_path):
    table = Table(full, raw_params)
    with pytest.raises(AssetError, match="no such folder"):
        check_mirror(str(tmp_path / "none"), table)
    mirror = tmp_path / "mirror"
    for name in ("mnist", "cifar10", "stl10"):
        for remote in DATASETS[name].files:
            (mirror / name).mkdir(parents=True, exist_ok=True)
            (mirror / name / remote.filename).write_bytes(b"x")
    assert "mirror folder" in check_mirror(str(mirror), table)
    gone = DATASETS["cifar10"].files[0]
    (mirror / "cifar10" / gone.filename).unlink()
    with pytest.raises(AssetError) as err:
        check_mirror(str(mirror), table)
    msg = str(err.value)
    assert str(mirror / "cifar10" / gone.filename) in msg and gone.md5 in msg and gone.url in msg
    assert "mirror" in check_mirror("http://127.0.0.1:9/archives", table)  # the download checks


def test_data_prepare_reads_the_workflows_mirror(tmp_path):
    """`--config mirror=...` reaches `ganrepro data prepare` as $GANREPRO_MIRROR: a wrong file
    there is refused by name, and nothing is written."""
    remote = DATASETS["mnist"].files[0]
    mirror = tmp_path / "mirror" / "mnist"
    mirror.mkdir(parents=True)
    (mirror / remote.filename).write_bytes(b"not mnist")
    out = tmp_path / "mnist.npz"
    res = tool(
        "ganrepro",
        *("data", "prepare", "mnist", "--params", str(ROOT / "params.yaml")),
        *("--scale", "full", "--out", str(out)),
        *("--raw-dir", str(tmp_path / "raw")),
        cwd=tmp_path,
        check=False,
        env={assets.MIRROR_ENV: str(tmp_path / "mirror")},
    )
    assert res.returncode != 0
    assert str(mirror / remote.filename) in res.stderr and remote.md5 in res.stderr
    assert not out.exists() and not list((tmp_path / "raw").rglob(remote.filename))


def test_the_workflow_stops_before_any_job_on_what_it_can_know(root, tmp_path, monkeypatch):
    monkeypatch.delenv(assets.INCEPTION_ENV, raising=False)
    repo = copy_repo(root, tmp_path / "repo")

    def said(res) -> str:
        return res.stdout + res.stderr

    # a dry run plans, and says what a run would stop on and where the resources come from
    res = snakemake("-n", "--config", "scale=full", cwd=repo)
    assert res.returncode == 0, said(res)[-2000:]
    assert "a run stops here: evaluation.inception_weights: not set" in said(res)
    assert "resources: 0 of " in said(res)
    # a run stops before any job: nothing is downloaded or written
    res = snakemake("--cores", "1", "assets", "--config", "scale=full", cwd=repo)
    assert res.returncode != 0
    assert "nothing was run or submitted" in said(res)
    assert "evaluation.inception_weights: not set" in said(res)
    assert not (repo / "results/full/data").exists() and not (repo / "results/full/raw").exists()
    # a device torch would refuse, at load
    res = snakemake("-n", "--config", "device=gpu", cwd=repo)
    assert res.returncode != 0
    assert "--config device=gpu: expected auto, cpu, cuda or cuda:N" in said(res)
    # a mirror folder without an archive: named, with where it goes
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    res = snakemake("-n", "assets", "--config", "scale=full", f"mirror={mirror}", cwd=repo)
    assert res.returncode == 0, said(res)[-2000:]
    first = DATASETS["cifar10"].files[0]
    assert f"mirror {mirror}: {mirror / 'cifar10' / first.filename} is missing" in said(res)

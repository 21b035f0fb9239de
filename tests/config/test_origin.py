"""``ganrepro show``: every setting of a run with where params.yaml sets it."""

from __future__ import annotations

import subprocess
import sys

import yaml

from ganrepro.config import load_params
from ganrepro.config.origin import origins, resolved_config


def test_every_setting_has_a_value_and_an_origin(root):
    params = load_params(root / "params.yaml", scale="full")
    for run in params.runs.values():
        table = origins(root / "params.yaml", run)
        assert list(table) == list(run.flat()), run.id
        assert all(item["from"] for item in table.values())


def test_origins_name_the_run_the_anchor_the_scale_mapping_and_defaults(root):
    params = load_params(root / "params.yaml", scale="full")
    t = origins(root / "params.yaml", params.run("frank/wgan_gp"))
    assert t["model.d_norm"]["value"] == "none"
    assert t["model.d_norm"]["from"].startswith("run's own key sources.frank/wgan_gp (line ")
    assert t["model.arch"]["from"].startswith("anchor &dcgan_model (line ")
    assert t["model.g_width"]["from"].startswith("anchor &frank_model")
    assert t["optim.lr"]["value"] == 1e-4
    assert t["optim.lr"]["from"].startswith("anchor &adam_gp (line ")
    assert t["optim.lr"]["from"].endswith("scale mapping {quick: 1.0e-3, full: 1.0e-4}")
    # a setting the run does not read is None, and says so
    assert t["objective.real_label"] == {"value": None, "from": "default (config/types.py)"}
    # a run that is itself an anchor (&zhu_cfg) still owns its keys; a key set over a merge
    # (cfg.eta over &cfg_settings) is the run's
    z = origins(root / "params.yaml", params.run("zhu/cfg_dcgan_mnist"))
    assert z["trainer"]["from"].startswith("run's own key sources.zhu/cfg_dcgan_mnist")
    assert z["cfg.guard_after"]["from"].startswith("anchor &cfg_settings")
    c = origins(root / "params.yaml", params.run("zhu/cfg_dcgan_cifar10"))
    assert c["trainer"]["from"].startswith("anchor &zhu_cfg")
    assert c["cfg.eta"]["from"].startswith("run's own key sources.zhu/cfg_dcgan_cifar10")
    assert c["cfg.eta"]["value"] == 0.5
    quick = load_params(root / "params.yaml", scale="quick").run("frank/dcgan")
    q = origins(root / "params.yaml", quick)
    assert q["data"] == {
        "value": "photos",
        "from": "the offline stand-in for cifar10 (standins: true)",
    }


def test_cli_show_prints_the_table_and_the_config_round_trips(root):
    res = subprocess.run(
        [sys.executable, "-m", "ganrepro.cli", "show", "zhu/cfg_dcgan_mnist", "--scale", "full"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("zhu/cfg_dcgan_mnist at scale full (config hash ")
    eta = next(line for line in lines if line.split()[0] == "cfg.eta").split()
    assert eta[1:5] == ["2.5", "anchor", "&cfg_settings", "(line"]
    run = load_params(root / "params.yaml", scale="full").run("zhu/cfg_dcgan_mnist")
    saved = yaml.safe_load(yaml.safe_dump(resolved_config(run, "full", None)))
    assert saved["config_hash"] == run.hash() and saved["config"]["cfg"]["guard_after"] == 2000

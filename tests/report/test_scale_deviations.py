"""Settings a scale changes beyond sizes and budgets are listed as deviations, from params.yaml."""

from __future__ import annotations

import yaml

from ganrepro.config import load_params
from ganrepro.report.build import scale_deviations

# the Deviations table's columns: ``text`` is what the source text says (not a random seed)
COLUMNS = {"source", "topic", "text", "we", "why"}


def test_quick_scale_learning_rates_are_listed_and_sizes_are_not(root):
    quick = load_params(root / "params.yaml", scale="quick")
    full = load_params(root / "params.yaml", scale="full")
    rows = {
        f"{r['source']}/{r['topic'].split(': ')[1]}": r["we"] for r in scale_deviations(quick, full)
    }
    # every run whose quick learning rate differs from its full one is listed, with both values
    for run_id, run in quick.runs.items():
        if run.optim.lr != full.run(run_id).optim.lr:
            assert f"optim.lr {run.optim.lr} (full: {full.run(run_id).optim.lr})" in rows[run_id]
    assert "optim.betas" in rows["agarwal/simple_gan"]
    assert "cfg.eta 1.0 (full: 0.5)" in rows["zhu/cfg_dcgan_cifar10"]
    # sizes and budgets differ by design: never listed
    text = " ".join(rows.values())
    for key in ("width", "batch_size", "epochs", "iterations", "stages", "g_hidden", "cfg.T "):
        assert key not in text, key
    assert "agarwal/dcgan" not in rows  # only sizes and budgets differ there
    # issue 13: the guard acts from stage 1 at quick (from 2000 at full); the quick WGAN-GP
    # ResNet keeps its layer-norm critic and constant lr; agarwal's real batch per critic step
    assert "cfg.guard_after 0 (full: 2000)" in rows["zhu/cfg_dcgan_mnist"]
    assert "cfg.eta 0.5 (full: 2.5)" in rows["zhu/cfg_dcgan_mnist"]
    assert "model.d_norm layer (full: none)" in rows["zhu/wgan_gp_resnet_cifar10"]
    assert "optim.lr_decay none (full: linear)" in rows["zhu/wgan_gp_resnet_cifar10"]
    assert "schedule.reuse_real False (full: True)" in rows["agarwal/cgan"]
    assert scale_deviations(full, full) == []


def test_every_deviation_has_the_tables_columns(root):
    """The curated list and the scale's derived rows both give every column the table shows."""
    curated = yaml.safe_load((root / "report" / "deviations.yaml").read_text())
    assert curated and all(set(d) == COLUMNS for d in curated), [
        d.get("topic") for d in curated if set(d) != COLUMNS
    ]
    quick = load_params(root / "params.yaml", scale="quick")
    full = load_params(root / "params.yaml", scale="full")
    derived = scale_deviations(quick, full)
    assert derived and all(set(d) == COLUMNS for d in derived)

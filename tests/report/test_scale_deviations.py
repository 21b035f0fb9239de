"""Settings a scale changes beyond sizes and budgets are listed as deviations, from params.yaml."""

from __future__ import annotations

from ganrepro.config import load_params
from ganrepro.report.build import scale_deviations


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
    assert "cfg.eta 1.0 (full: 0.25)" in rows["zhu/cfg_dcgan_cifar10"]
    # sizes and budgets differ by design: never listed
    text = " ".join(rows.values())
    for key in ("width", "batch_size", "epochs", "iterations", "stages", "g_hidden", "cfg.T "):
        assert key not in text, key
    assert "zhu/cfg_dcgan_mnist" not in rows  # only sizes and budgets differ there
    assert scale_deviations(full, full) == []

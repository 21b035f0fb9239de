"""A metric-over-training figure with a seed that diverged early: its curve is shorter than
the others' (the small scale met it: 2 of 5 CFG-GAN seeds on the photos stopped by the guard)."""

from __future__ import annotations

import json

import numpy as np

from ganrepro import layout
from ganrepro.config import load_params
from ganrepro.layout import Files
from ganrepro.outputs import catalog, figures
from tests.results_tree import STEPS, write_tree


def test_a_seed_that_diverged_early_leaves_the_mean_to_the_others(root, tmp_path, monkeypatch):
    small = load_params(root / "params.yaml", scale="small")
    out = catalog.get("figure", "zhu", "is_curves_dcgan")
    runs = [f"zhu/{name}" for name in out.runs]
    write_tree(tmp_path, small, runs)
    tree = layout.of(small)
    path = tmp_path / tree.run_file("zhu/cfg_dcgan_cifar10", 3, "metrics")
    m = json.loads(path.read_text())
    m["status"], m["curve"] = "diverged", m["curve"][:2]
    m["curve"][1]["classifier"]["is_mean"] = 100.0  # must not stand for the seed later on
    path.write_text(json.dumps(m))
    drawn = {}
    monkeypatch.setattr(figures, "save_figure", lambda fig, dest: drawn.setdefault("fig", fig))
    figures.draw(out, "zhu", small, Files(tree, root=tmp_path), tmp_path / "f.png")
    ax = drawn["fig"].axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    label = f"cfg_dcgan_cifar10 (1 of {small.seeds} diverged)"
    assert label in lines and "wgan_gp_dcgan_cifar10" in lines
    ys = lines[label].get_ydata()
    assert len(ys) == len(STEPS)
    # the mean at each checkpoint is over the seeds that have it: the diverged seed's 100
    # counts at step 1 only
    curves = []
    for k in range(small.seeds):
        seed = json.loads(
            (tmp_path / tree.run_file("zhu/cfg_dcgan_cifar10", k, "metrics")).read_text()
        )
        curves.append({c["step"]: c["classifier"]["is_mean"] for c in seed["curve"]})
    expected = [np.mean([c[s] for c in curves if s in c]) for s in STEPS]
    assert np.allclose(ys, expected) and 100.0 in [c.get(STEPS[1]) for c in curves]
    assert sum(STEPS[2] in c for c in curves) == small.seeds - 1

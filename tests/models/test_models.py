"""Every run's architecture: shapes and ranges; conditional BatchNorm uses its class's affine."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from ganrepro.data import DATASETS
from ganrepro.models import build, output_range
from ganrepro.models.common import ConditionalBatchNorm2d, Maxout


def pytest_generate_tests(metafunc):
    if "run_id" in metafunc.fixturenames:
        from ganrepro.config import load_params
        from tests.conftest import ROOT

        ids = list(load_params(ROOT / "params.yaml", scale="quick").runs)
        metafunc.parametrize("run_id", ids)


@pytest.mark.device
def test_shapes_and_ranges(quick_params, run_id, device):
    run = quick_params.run(run_id)
    spec = DATASETS[run.data]
    torch.manual_seed(0)
    g, d = build(run.model, spec.channels, spec.n_classes, ac=run.objective.ac is not None)
    g, d = g.to(device), d.to(device)
    z = torch.randn(6, run.model.z_dim).to(device) * 3  # large inputs: saturate the output
    y = (torch.arange(6) % spec.n_classes).to(device)
    x = g(z, y)
    lo, hi = output_range(run.model)
    assert x.shape == (6, spec.channels, 32, 32)
    assert lo <= x.min().item() and x.max().item() <= hi
    score, logits = d(x, y)
    assert score.shape == (6,)
    if run.objective.ac is not None:
        assert logits.shape == (6, spec.n_classes)
    else:
        assert logits is None


def test_conditional_generators_depend_on_the_label(quick_params):
    for run in quick_params.runs.values():
        if not run.model.conditional:
            continue
        spec = DATASETS[run.data]
        torch.manual_seed(0)
        g, _ = build(run.model, spec.channels, spec.n_classes)
        for m in g.modules():  # CBN starts with the same affine for every class: perturb it
            if isinstance(m, torch.nn.Embedding):
                torch.nn.init.normal_(m.weight)
        g.eval()
        z = torch.randn(1, run.model.z_dim).repeat(2, 1)
        x = g(z, torch.tensor([1, 7]))
        assert (x[0] - x[1]).abs().max() > 1e-4, run.id


def test_conditional_batchnorm_uses_each_class_scale_and_shift():
    cbn = ConditionalBatchNorm2d(4, n_classes=10)
    with torch.no_grad():
        cbn.scale.weight[3] = torch.tensor([2.0, 3.0, 4.0, 5.0])
        cbn.shift.weight[3] = torch.tensor([-1.0, 0.0, 1.0, 2.0])
        cbn.scale.weight[5] = torch.tensor([7.0, 7.0, 7.0, 7.0])
    x = torch.randn(6, 4, 3, 3)
    y = torch.tensor([3, 3, 5, 5, 0, 0])
    out = cbn(x, y)
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    normed = (x - mean) / torch.sqrt(var + cbn.bn.eps)
    assert_close(
        out[:2],
        normed[:2] * torch.tensor([2.0, 3, 4, 5]).view(1, 4, 1, 1)
        + torch.tensor([-1.0, 0, 1, 2]).view(1, 4, 1, 1),
    )
    assert_close(out[2:4], normed[2:4] * 7)
    assert_close(out[4:], normed[4:])  # class 0: the initial scale 1, shift 0


def test_maxout_takes_the_max_of_each_units_pieces():
    m = Maxout(2, units=2, pieces=3)
    with torch.no_grad():
        m.linear.weight.copy_(torch.tensor([[1.0, 0], [0, 1], [1, 1], [-1, 0], [0, -1], [2, 0]]))
        m.linear.bias.zero_()
    out = m(torch.tensor([[1.0, 2.0]]))
    assert out.tolist() == [[3.0, 2.0]]  # max(1, 2, 3) and max(-1, -2, 2)


def test_frank_generator_is_twice_the_critic_width(root):
    """frank's notebook: G 512 -> 256 -> 128 (DCGAN.ipynb's DCGenerator), critic 64 -> 128 ->
    256, and no BatchNorm in the WGAN-GP critic (drop_batch=True)."""
    from ganrepro.config import load_params

    full = load_params(root / "params.yaml", scale="full")
    for name in ("dcgan", "wgan", "wgan_gp"):
        run = full.run(f"frank/{name}")
        g, d = build(run.model, 3, 10)
        g_convs = [m.out_channels for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
        d_convs = [m.out_channels for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
        assert g_convs == [512, 256, 128, 3] and d_convs == [64, 128, 256, 1], name
        has_bn = any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
        assert has_bn == (name != "wgan_gp"), name

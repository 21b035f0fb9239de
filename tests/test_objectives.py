"""Loss values against hand computation; the gradient penalty against an independent one."""

from __future__ import annotations

import math

import pytest
import torch
from torch.testing import assert_close

from ganrepro import objectives
from ganrepro.config.types import ObjectiveConfig
from ganrepro.registry import LOSSES

REAL = torch.tensor([2.0, -1.0, 0.5])
FAKE = torch.tensor([-3.0, 0.0, 1.0])


def _log_sigmoid(v: float) -> float:
    return -math.log1p(math.exp(-v))


def test_bce_by_hand():
    d = (
        -sum(_log_sigmoid(r) for r in REAL.tolist()) / 3
        - sum(math.log(1 - 1 / (1 + math.exp(-f))) for f in FAKE.tolist()) / 3
    )
    g = -sum(_log_sigmoid(f) for f in FAKE.tolist()) / 3
    assert_close(objectives.bce.d(REAL, FAKE), torch.tensor(d))
    assert_close(objectives.bce.g(FAKE), torch.tensor(g))


def test_label_smoothed_bce_by_hand():
    """frank's notebook: D's targets 0.9 (real) and 0.1 (fake), G's target 0.9."""
    o = ObjectiveConfig(loss="bce", real_label=0.9, fake_label=0.1, g_label=0.9)
    loss = objectives.loss_of(o)
    # one score each, BCE(s, t) = -[t log sigmoid(s) + (1 - t) log(1 - sigmoid(s))]:
    # real s=2:  -(0.9 * log(0.880797) + 0.1 * log(0.119203)) = 0.326928
    # fake s=-1: -(0.1 * log(0.268941) + 0.9 * log(0.731059)) = 0.413261
    assert_close(loss.d(torch.tensor([2.0]), torch.tensor([-1.0])), torch.tensor(0.740190))
    # G on s=-1 with target 0.9: -(0.9 * log(0.268941) + 0.1 * log(0.731059)) = 1.213262
    assert_close(loss.g(torch.tensor([-1.0])), torch.tensor(1.213262))
    # targets 1 / 0 / 1 are plain BCE
    plain = objectives.loss_of(
        ObjectiveConfig(loss="bce", real_label=1.0, fake_label=0.0, g_label=1.0)
    )
    assert_close(plain.d(REAL, FAKE), objectives.bce.d(REAL, FAKE))
    assert_close(plain.g(FAKE), objectives.bce.g(FAKE))


def test_wasserstein_by_hand():
    assert_close(objectives.wasserstein.d(REAL, FAKE), torch.tensor((-2.0) / 3 - 1.5 / 3))
    assert_close(objectives.wasserstein.g(FAKE), torch.tensor(2.0 / 3))


def test_logistic_by_hand():
    d = (
        sum(math.log1p(math.exp(-r)) for r in REAL.tolist()) / 3
        + sum(math.log1p(math.exp(f)) for f in FAKE.tolist()) / 3
    )
    assert_close(objectives.logistic.d(REAL, FAKE), torch.tensor(d))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_registered_losses_have_both_sides(name):
    loss = LOSSES[name]
    assert loss.d(REAL, FAKE).shape == () and loss.g(FAKE).shape == ()


def _critic():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(12, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)
    )


@pytest.mark.device
def test_gradient_penalty_against_a_per_sample_autograd_reference(device):
    net = _critic().to(device)
    real, fake = torch.randn(5, 3, 2, 2).to(device), torch.randn(5, 3, 2, 2).to(device)
    eps = torch.rand(5).to(device)
    got = objectives.gradient_penalty(lambda x: net(x).squeeze(1), real, fake, eps)
    terms = []
    for i in range(5):  # one sample at a time: no batch coupling can hide an error
        x = (eps[i] * real[i] + (1 - eps[i]) * fake[i]).unsqueeze(0).requires_grad_(True)
        (g,) = torch.autograd.grad(net(x).sum(), x)
        terms.append((math.sqrt(float((g.double() ** 2).sum())) - 1) ** 2)
    assert_close(got.cpu(), torch.tensor(sum(terms) / 5, dtype=got.dtype))


def test_gradient_penalty_is_zero_for_a_unit_slope_linear_critic():
    w = torch.randn(12)
    w = w / w.norm()
    real, fake = torch.randn(4, 12), torch.randn(4, 12)
    gp = objectives.gradient_penalty(lambda x: x @ w, real, fake, torch.rand(4))
    assert_close(gp, torch.tensor(0.0), atol=1e-10, rtol=0)


def test_gradient_penalty_is_differentiable_wrt_critic_weights():
    net = _critic()
    gp = objectives.gradient_penalty(
        lambda x: net(x).squeeze(1), torch.randn(3, 12), torch.randn(3, 12), torch.rand(3)
    )
    gp.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net[1].parameters())


def test_clip_bounds_every_parameter():
    net = _critic()
    objectives.clip_(net.parameters(), 0.01)
    assert max(p.abs().max().item() for p in net.parameters()) <= 0.01

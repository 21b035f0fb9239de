"""Objectives as data: pure loss functions, one signature per side.

A loss gives ``d(real_score, fake_score) -> scalar`` for the critic and ``g(fake_score) ->
scalar`` for the generator; scores are the critic's raw outputs (logits for ``bce``).
Regularisers (gradient penalty, auxiliary classifier) are separate pure functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class Loss:
    name: str
    d: Callable[[Tensor, Tensor], Tensor]
    g: Callable[[Tensor], Tensor]


def bce_with_targets(real_label: float = 1.0, fake_label: float = 0.0, g_label: float = 1.0):
    """BCE whose targets are ``real_label`` / ``fake_label`` for the critic and ``g_label`` for
    the generator (label smoothing: frank's notebook uses 0.9 / 0.1 / 0.9)."""

    def d(real: Tensor, fake: Tensor) -> Tensor:
        # -[log D(x) + log(1 - D(G(z)))] at 1 / 0, each term a batch mean (nn.BCELoss, summed)
        return F.binary_cross_entropy_with_logits(
            real, torch.full_like(real, real_label)
        ) + F.binary_cross_entropy_with_logits(fake, torch.full_like(fake, fake_label))

    def g(fake: Tensor) -> Tensor:
        # the non-saturating generator loss: maximise log D(G(z)) (agarwal, ding, frank, DCGAN)
        return F.binary_cross_entropy_with_logits(fake, torch.full_like(fake, g_label))

    return d, g


def _w_d(real: Tensor, fake: Tensor) -> Tensor:
    return fake.mean() - real.mean()


def _w_g(fake: Tensor) -> Tensor:
    return -fake.mean()


def _logistic_d(real: Tensor, fake: Tensor) -> Tensor:
    # CFG-GAN: log(1 + exp(-D(x))) + log(1 + exp(D(G(z))))
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def _logistic_g(fake: Tensor) -> Tensor:
    return F.softplus(-fake).mean()


bce = Loss("bce", *bce_with_targets())
wasserstein = Loss("wasserstein", _w_d, _w_g)
logistic = Loss("logistic", _logistic_d, _logistic_g)


def loss_of(objective) -> Loss:
    """The loss of an ``ObjectiveConfig``: the registered one, with its BCE label targets."""
    from ganrepro.registry import LOSSES

    o = objective
    if o.loss == "bce" and (o.real_label, o.fake_label, o.g_label) != (1.0, 0.0, 1.0):
        return Loss("bce", *bce_with_targets(o.real_label, o.fake_label, o.g_label))
    return LOSSES[o.loss]


def gradient_penalty(
    critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor, eps: Tensor
) -> Tensor:
    """E[(||grad_x critic(x_hat)||_2 - 1)^2] at x_hat = eps * real + (1 - eps) * fake.

    ``eps``: (B,) in [0, 1]. Computed in fp32 whatever the surrounding autocast says, and with
    ``create_graph`` so that the penalty itself can be differentiated.
    """
    device_type = real.device.type
    with torch.autocast(device_type=device_type, enabled=False):
        e = eps.float().view(-1, *([1] * (real.dim() - 1)))
        x_hat = (e * real.float() + (1 - e) * fake.float()).requires_grad_(True)
        score = critic(x_hat).float()
        (grad,) = torch.autograd.grad(score.sum(), x_hat, create_graph=True)
        return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def classification(logits: Tensor, labels: Tensor) -> Tensor:
    """The auxiliary classifier's loss: cross-entropy of the class head."""
    return F.cross_entropy(logits, labels)


def clip_(parameters, c: float) -> None:
    """WGAN weight clipping: every critic parameter into [-c, c], in place."""
    with torch.no_grad():
        for p in parameters:
            p.clamp_(-c, c)

"""Building blocks shared by the architectures."""

from __future__ import annotations

import torch
from torch import nn


def init_weights(module: nn.Module, scheme: str) -> None:
    """``default``: PyTorch's own; ``dcgan``: N(0, 0.02) weights, BN N(1, 0.02) (Radford et
    al.); ``kaiming``: He-normal weights, zero biases (zhu's source text)."""
    if scheme == "default":
        return
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            if scheme == "dcgan":
                nn.init.normal_(m.weight, 0.0, 0.02)
            elif scheme == "kaiming":
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            else:
                raise ValueError(f"unknown init {scheme!r}")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif scheme == "dcgan" and isinstance(m, nn.BatchNorm2d) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def norm2d(kind: str, channels: int) -> nn.Module:
    """A critic normalisation: ``batch``, ``instance`` (affine), ``layer`` (over C, H, W with a
    per-channel scale and shift, as gan_cifar_resnet.py's layernorm) or ``none``."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown normalisation {kind!r}")


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm without its own affine; each class has its own scale (init 1) and shift (0)."""

    def __init__(self, channels: int, n_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.scale = nn.Embedding(n_classes, channels)
        self.shift = nn.Embedding(n_classes, channels)
        nn.init.ones_(self.scale.weight)
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.bn(x)
        return h * self.scale(y)[:, :, None, None] + self.shift(y)[:, :, None, None]


class Maxout(nn.Module):
    """Linear to ``units * pieces`` outputs, then the max over each unit's pieces."""

    def __init__(self, in_features: int, units: int, pieces: int):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1, self.units, self.pieces).amax(dim=-1)


def activation(name: str) -> nn.Module:
    return {
        "relu": nn.ReLU(),
        "leaky_relu": nn.LeakyReLU(0.01),
        "tanh": nn.Tanh(),
        "sigmoid": nn.Sigmoid(),
    }[name]

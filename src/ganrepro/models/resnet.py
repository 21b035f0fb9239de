"""The WGAN-GP ResNet for 32x32 (Gulrajani et al. 2017, gan_cifar_resnet.py).

Generator: z (128) -> linear w x 4 x 4 -> 3 pre-activation "up" blocks (nearest-neighbour
upsampling, conditional BatchNorm when ``conditioning: cbn``) -> BN, ReLU, conv3x3, tanh.
Critic: an optimised first "down" block, a "down" block, two plain blocks (layer norm or none),
ReLU, global mean pool, linear(1) [+ linear(n_classes) auxiliary-classifier head].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganrepro.config.types import ModelConfig
from ganrepro.models.common import ConditionalBatchNorm2d, norm2d


class _GNorm(nn.Module):
    """BatchNorm, or conditional BatchNorm when there are classes to condition on."""

    def __init__(self, channels: int, n_classes: int | None):
        super().__init__()
        self.cbn = ConditionalBatchNorm2d(channels, n_classes) if n_classes else None
        self.bn = None if n_classes else nn.BatchNorm2d(channels)

    def forward(self, x, y):
        return self.cbn(x, y) if self.cbn is not None else self.bn(x)


class UpBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, n_classes: int | None):
        super().__init__()
        self.n1, self.n2 = _GNorm(c_in, n_classes), _GNorm(c_out, n_classes)
        self.c1 = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.c2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x, y):
        up = F.interpolate(x, scale_factor=2, mode="nearest")
        h = F.interpolate(F.relu(self.n1(x, y)), scale_factor=2, mode="nearest")
        h = self.c2(F.relu(self.n2(self.c1(h), y)))
        return self.skip(up) + h


class DownBlock(nn.Module):
    """Pre-activation critic block; ``down`` ends with 2x2 mean pooling; ``first`` is the
    optimised first block (no activation before its first conv)."""

    def __init__(self, c_in: int, c_out: int, norm: str, down: bool, first: bool = False):
        super().__init__()
        self.down, self.first = down, first
        self.n1 = nn.Identity() if first else norm2d(norm, c_in)
        self.n2 = nn.Identity() if first else norm2d(norm, c_out)
        self.c1 = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.c2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if (down or c_in != c_out) else None

    def forward(self, x):
        h = x if self.first else F.relu(self.n1(x))
        h = self.c2(F.relu(self.n2(self.c1(h))))
        s = x
        if self.down:
            h = F.avg_pool2d(h, 2)
            s = F.avg_pool2d(s, 2) if self.first else s
        if self.skip is not None:
            s = self.skip(s)
            if self.down and not self.first:
                s = F.avg_pool2d(s, 2)
        return s + h


class ResNetGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, channels: int, n_classes: int):
        super().__init__()
        w = cfg.width
        self.w = w
        k = n_classes if cfg.conditioning == "cbn" else None
        self.linear = nn.Linear(cfg.z_dim, w * 4 * 4)
        self.blocks = nn.ModuleList([UpBlock(w, w, k) for _ in range(3)])
        self.bn = nn.BatchNorm2d(w)
        self.out = nn.Conv2d(w, channels, 3, 1, 1)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.linear(z).view(-1, self.w, 4, 4)
        for block in self.blocks:
            h = block(h, y)
        return torch.tanh(self.out(F.relu(self.bn(h))))


class ResNetCritic(nn.Module):
    def __init__(self, cfg: ModelConfig, channels: int, n_classes: int, ac: bool):
        super().__init__()
        w = cfg.width
        self.blocks = nn.Sequential(
            DownBlock(channels, w, cfg.d_norm, down=True, first=True),  # 16x16
            DownBlock(w, w, cfg.d_norm, down=True),  # 8x8
            DownBlock(w, w, cfg.d_norm, down=False),
            DownBlock(w, w, cfg.d_norm, down=False),
        )
        self.score = nn.Linear(w, 1)
        self.classes = nn.Linear(w, n_classes) if ac else None

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None):
        h = F.relu(self.blocks(x)).mean(dim=(2, 3))
        logits = self.classes(h) if self.classes is not None else None
        return self.score(h).squeeze(1), logits


def build(cfg: ModelConfig, channels: int, n_classes: int, ac: bool):
    return ResNetGenerator(cfg, channels, n_classes), ResNetCritic(cfg, channels, n_classes, ac)

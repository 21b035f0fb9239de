"""The 32x32 DCGAN (k4 s2 p1 convolutions) of agarwal, frank and zhu.

Generator: z (B, z_dim [+ embed_dim]) -> ConvT 4x4 -> 8x8 -> 16x16 -> 32x32 with 4w, 2w, w
channels (w = ``g_width``, else ``width``), BatchNorm + ReLU, tanh. Critic: 32 -> 16 -> 8 -> 4
with LeakyReLU(0.2), ``d_norm`` on all but the first layer, then a 4x4 conv to one value.
``embed`` conditioning (agarwal's cgan): a label embedding is appended to z, and another one,
reshaped to 32x32, is an extra input plane of the critic.
"""

from __future__ import annotations

import torch
from torch import nn

from ganrepro.config.types import ModelConfig
from ganrepro.models.common import norm2d


class DCGANGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, channels: int, n_classes: int):
        super().__init__()
        w = cfg.g_width or cfg.width  # frank's notebook: G twice the critic's width
        self.embed = nn.Embedding(n_classes, cfg.embed_dim) if cfg.conditional else None
        z_in = cfg.z_dim + (cfg.embed_dim if cfg.conditional else 0)

        def up(c_in, c_out, k, s, p):
            return [
                nn.ConvTranspose2d(c_in, c_out, k, s, p, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(True),
            ]

        self.net = nn.Sequential(
            *up(z_in, 4 * w, 4, 1, 0),  # 4x4
            *up(4 * w, 2 * w, 4, 2, 1),  # 8x8
            *up(2 * w, w, 4, 2, 1),  # 16x16
            nn.ConvTranspose2d(w, channels, 4, 2, 1),  # 32x32
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(y)], dim=1)
        return self.net(z[:, :, None, None])


class DCGANCritic(nn.Module):
    def __init__(self, cfg: ModelConfig, channels: int, n_classes: int):
        super().__init__()
        w = cfg.width
        self.embed = nn.Embedding(n_classes, 32 * 32) if cfg.conditional else None
        c_in = channels + (1 if cfg.conditional else 0)
        bias = cfg.d_norm == "none"  # a bias before a normalisation is redundant
        self.net = nn.Sequential(
            nn.Conv2d(c_in, w, 4, 2, 1),
            nn.LeakyReLU(0.2, True),  # 16x16
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=bias),
            norm2d(cfg.d_norm, 2 * w),
            nn.LeakyReLU(0.2, True),  # 8x8
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1, bias=bias),
            norm2d(cfg.d_norm, 4 * w),
            nn.LeakyReLU(0.2, True),  # 4x4
            nn.Conv2d(4 * w, 1, 4, 1, 0),  # 1x1
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None):
        if self.embed is not None:
            x = torch.cat([x, self.embed(y).view(-1, 1, 32, 32)], dim=1)
        return self.net(x).flatten(), None


def build(cfg: ModelConfig, channels: int, n_classes: int, ac: bool):
    return DCGANGenerator(cfg, channels, n_classes), DCGANCritic(cfg, channels, n_classes)

"""Fully connected GANs: agarwal's simple GAN, Goodfellow et al.'s MNIST nets (maxout critic)
and Mirza & Osindero's conditional nets (separate z/y and x/y branches, one-hot labels)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganrepro.config.types import ModelConfig
from ganrepro.models.common import Maxout, activation


def _stack(sizes: list[int], act: str, pieces: list[int] | None, dropout: float) -> nn.Sequential:
    """Hidden layers ``sizes[0] -> sizes[1] -> ...``; maxout layers take their piece counts."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if act == "maxout":
            layers.append(Maxout(n_in, n_out, pieces[i]))
        else:
            layers += [nn.Linear(n_in, n_out), activation(act)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, channels: int, n_classes: int):
        super().__init__()
        self.shape = (channels, 32, 32)
        self.n_classes = n_classes
        out = channels * 32 * 32
        act = cfg.g_act
        if cfg.conditional:  # z -> a, y -> b, [a, b] -> hidden -> image
            a, b = cfg.g_branches
            self.z_branch = nn.Sequential(nn.Linear(cfg.z_dim, a), activation(act))
            self.y_branch = nn.Sequential(nn.Linear(n_classes, b), activation(act))
            first = a + b
        else:
            first = cfg.z_dim
        self.body = _stack([first, *cfg.g_hidden], act, None, 0.0)
        self.head = nn.Sequential(nn.Linear(cfg.g_hidden[-1], out), activation(cfg.g_out))
        self.conditional = cfg.conditional

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.conditional:
            h = torch.cat(
                [self.z_branch(z), self.y_branch(F.one_hot(y, self.n_classes).to(z.dtype))], dim=1
            )
        else:
            h = z
        return self.head(self.body(h)).view(-1, *self.shape)


class MLPCritic(nn.Module):
    def __init__(self, cfg: ModelConfig, channels: int, n_classes: int):
        super().__init__()
        self.n_classes = n_classes
        n_in = channels * 32 * 32
        pieces = list(cfg.maxout_pieces) if cfg.d_act == "maxout" else []
        self.conditional = cfg.conditional
        if cfg.conditional:  # x -> a, y -> b (maxout with pieces[0]), joined -> hidden
            a, b = cfg.d_branches
            self.x_branch = _stack([n_in, a], cfg.d_act, pieces[:1], cfg.dropout)
            self.y_branch = _stack([n_classes, b], cfg.d_act, pieces[:1], cfg.dropout)
            first, pieces = a + b, pieces[1:]
        else:
            first = n_in
        self.body = _stack([first, *cfg.d_hidden], cfg.d_act, pieces, cfg.dropout)
        self.head = nn.Linear(cfg.d_hidden[-1], 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None):
        h = x.flatten(1)
        if self.conditional:
            y1 = F.one_hot(y, self.n_classes).to(h.dtype)
            h = torch.cat([self.x_branch(h), self.y_branch(y1)], dim=1)
        return self.head(self.body(h)).squeeze(1), None


def build(cfg: ModelConfig, channels: int, n_classes: int, ac: bool):
    return MLPGenerator(cfg, channels, n_classes), MLPCritic(cfg, channels, n_classes)

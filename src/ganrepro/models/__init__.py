"""Architectures: constructor-configured generator/critic pairs, looked up by name.

Every generator maps ``(z: (B, z_dim), y: (B,) int64 or None)`` to images ``(B, C, 32, 32)``
in [-1, 1] (tanh) or [0, 1] (sigmoid, ``g_out``). Every critic maps ``(x, y)`` to
``(score: (B,), class_logits: (B, n_classes) or None)``; scores are logits / raw critic values:
the objective decides what they mean.
"""

from __future__ import annotations

from torch import nn

from ganrepro.config.types import ModelConfig
from ganrepro.models.common import init_weights
from ganrepro.registry import ARCHITECTURES


def build(
    cfg: ModelConfig, channels: int, n_classes: int, ac: bool = False
) -> tuple[nn.Module, nn.Module]:
    """The (generator, critic) pair of ``cfg``, initialised with ``cfg.init``."""
    g, d = ARCHITECTURES[cfg.arch](cfg, channels, n_classes, ac)
    init_weights(g, cfg.init)
    init_weights(d, cfg.init)
    return g, d


def output_range(cfg: ModelConfig) -> tuple[float, float]:
    """The range of the generator's images; real data is scaled to the same range."""
    return (0.0, 1.0) if cfg.g_out == "sigmoid" else (-1.0, 1.0)

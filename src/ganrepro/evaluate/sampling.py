"""Generators loaded from checkpoints, for evaluation and figures (either trainer).

Sampling uses BatchNorm in eval mode (running statistics) for every run; CFG-GAN samples come
from the trainer's own ``generate``: the checkpointed approximator (the one the stage pushed)
through all T discriminator snapshots of that stage.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from ganrepro.config.types import RunConfig
from ganrepro.data import DATASETS
from ganrepro.models import build, output_range
from ganrepro.train import checkpoint
from ganrepro.train.batches import to_uint8
from ganrepro.train.cfg import generate


class Sampler:
    def __init__(self, run: RunConfig, ckpt_path: str | Path, device="cpu"):
        state = checkpoint.load(
            ckpt_path,
            run.hash(),
            map_location=device,
            run_id=run.id,
            purpose="sample",
            rehearsal=bool(run.rehearsal),
        )
        spec = DATASETS[run.data]
        self.run, self.step, self.device = run, state["step"], torch.device(device)
        self.n_classes, self.channels = spec.n_classes, spec.channels
        self.conditional = run.model.conditional or run.objective.ac is not None
        self.range = output_range(run.model)
        self.G, self.D = build(
            run.model, spec.channels, spec.n_classes, ac=run.objective.ac is not None
        )
        t = state["trainer"]
        self.G.load_state_dict(t["G"])
        self.D.load_state_dict(t["D"])
        self.G.to(device).eval()
        self.D.to(device).eval()
        self.snapshots = t.get("snapshots")  # CFG-GAN only
        self.drawn = 0  # images sample() has made

    def latents(self, n: int, seed: int) -> tuple[Tensor, Tensor | None]:
        """``n`` latents from a seeded CPU generator (device-independent), balanced labels."""
        gen = torch.Generator().manual_seed(seed)
        z = torch.randn(n, self.run.model.z_dim, generator=gen)
        y = torch.arange(n) % self.n_classes if self.conditional else None
        return z, y

    def images(self, z: Tensor, y: Tensor | None) -> Tensor:
        """Images in the model's range for latents ``z`` (and labels ``y``)."""
        z = z.to(self.device)
        y = y.to(self.device) if y is not None else None
        if self.snapshots is not None:
            return generate(self.G, self.D, self.snapshots, self.run.cfg.eta, z)
        with torch.no_grad():
            return self.G(z, y if self.conditional else None)

    def uint8(self, z: Tensor, y: Tensor | None, batch_size: int = 250) -> Tensor:
        """Quantised to uint8 as the TF protocol does, on the CPU."""
        return torch.cat(
            [
                to_uint8(
                    self.images(
                        z[i : i + batch_size], None if y is None else y[i : i + batch_size]
                    ),
                    *self.range,
                ).cpu()
                for i in range(0, len(z), batch_size)
            ]
        )

    def sample(self, n: int, seed: int, batch_size: int = 250) -> tuple[Tensor, Tensor | None]:
        z, y = self.latents(n, seed)
        self.drawn += n
        return self.uint8(z, y, batch_size), y

    def critic(self, x_uint8: Tensor, y: Tensor | None) -> Tensor:
        """The critic's score of uint8 images (higher: more real to the critic)."""
        lo, hi = self.range
        x = x_uint8.to(self.device).float() * ((hi - lo) / 255.0) + lo
        with torch.no_grad():
            score, _ = self.D(
                x, y.to(self.device) if (y is not None and self.conditional) else None
            )
        return score.cpu()

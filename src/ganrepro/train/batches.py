"""In-memory batches drawn by index: the dataset lives on the device as uint8, and each batch
is one gather plus a cast, with no DataLoader workers.

Sampling is epoch-wise without replacement, from a generator of its own whose state (with the
current permutation and position) goes into checkpoints, so a resumed run sees the same batches.
"""

from __future__ import annotations

import torch
from torch import Tensor


def to_model_range(x_uint8: Tensor, lo: float, hi: float) -> Tensor:
    """uint8 [0, 255] -> float32 [lo, hi]."""
    return x_uint8.float().mul_((hi - lo) / 255.0).add_(lo)


def to_uint8(x: Tensor, lo: float, hi: float) -> Tensor:
    """float [lo, hi] -> uint8, rounding to the nearest level (the TF protocol's quantisation)."""
    return ((x.float() - lo) * (255.0 / (hi - lo))).round_().clamp_(0, 255).to(torch.uint8)


class IndexBatches:
    def __init__(self, x: Tensor, y: Tensor | None, seed: int, value_range: tuple[float, float]):
        """``x``: (N, C, H, W) uint8 on the training device; ``y``: (N,) int64 or None."""
        self.x, self.y, self.range = x, y, value_range
        self.n = len(x)
        self.gen = torch.Generator().manual_seed(seed)
        self.perm = torch.randperm(self.n, generator=self.gen)
        self.pos = 0
        self.epochs_done = 0

    def indices(self, size: int) -> Tensor:
        out = []
        while size > 0:
            if self.pos == self.n:
                self.perm = torch.randperm(self.n, generator=self.gen)
                self.pos = 0
                self.epochs_done += 1
            take = min(size, self.n - self.pos)
            out.append(self.perm[self.pos : self.pos + take])
            self.pos += take
            size -= take
        return torch.cat(out)

    def next(self, size: int) -> tuple[Tensor, Tensor | None]:
        idx = self.indices(size).to(self.x.device)
        x = to_model_range(self.x[idx], *self.range)
        return x, (self.y[idx] if self.y is not None else None)

    @property
    def epoch(self) -> float:
        return self.epochs_done + self.pos / self.n

    def state_dict(self) -> dict:
        return {
            "gen": self.gen.get_state(),
            "perm": self.perm.clone(),
            "pos": self.pos,
            "epochs_done": self.epochs_done,
        }

    def load_state_dict(self, state: dict) -> None:
        self.gen.set_state(state["gen"])
        self.perm, self.pos = state["perm"].clone(), state["pos"]
        self.epochs_done = state["epochs_done"]

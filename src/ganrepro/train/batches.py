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
        self._shuffle()
        self.epochs_done = 0

    def _shuffle(self) -> None:
        self.perm = torch.randperm(self.n, generator=self.gen)
        self._on_device()

    def _on_device(self) -> None:
        """The permutation also on the data's device, copied once an epoch (a copy per batch
        would wait for the device at every step)."""
        self.perm_x = self.perm.to(self.x.device)
        self.pos = 0

    def indices(self, size: int) -> Tensor:
        out = []
        while size > 0:
            if self.pos == self.n:
                self._shuffle()
                self.epochs_done += 1
            take = min(size, self.n - self.pos)
            out.append(self.perm_x[self.pos : self.pos + take])
            self.pos += take
            size -= take
        return out[0] if len(out) == 1 else torch.cat(out)

    def next(self, size: int) -> tuple[Tensor, Tensor | None]:
        idx = self.indices(size)
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
        self.perm = state["perm"].clone()
        self._on_device()
        self.pos = state["pos"]
        self.epochs_done = state["epochs_done"]

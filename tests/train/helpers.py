"""Small trainers and short runs for the training tests."""

from __future__ import annotations

import dataclasses
import os
import signal

import torch

from ganrepro.config.types import EvalConfig, RunConfig
from ganrepro.data import DATASETS
from ganrepro.registry import TRAINERS


def synthetic(run: RunConfig, n: int = 48, seed: int = 0, device="cpu"):
    """uint8 images and labels shaped like the run's data, drawn on the CPU, on ``device``."""
    spec = DATASETS[run.data]
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, spec.channels, 32, 32), generator=g, dtype=torch.uint8)
    y = torch.arange(n) % spec.n_classes
    return x.to(device), y.to(device), spec.n_classes


def make_trainer(run: RunConfig, seed: int = 0, runtime=None, device="cpu"):
    x, y, k = synthetic(run, device=device)
    torch.manual_seed(seed)
    return TRAINERS[run.trainer](run, x, y, k, seed, runtime)


def short(run: RunConfig, steps: int, checkpoints: int = 2) -> RunConfig:
    """``run`` with a budget of ``steps`` iterations (stages for CFG-GAN)."""
    budget = {"stages": steps} if run.trainer == "cfg" else {"iterations": steps, "epochs": None}
    return dataclasses.replace(
        run, schedule=dataclasses.replace(run.schedule, **budget), eval=EvalConfig(checkpoints)
    )


def params_of(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def changed(before: list[torch.Tensor], module: torch.nn.Module) -> list[bool]:
    return [not torch.equal(b, p) for b, p in zip(before, module.parameters(), strict=True)]


def at_step(k: int, action, before: bool = False):
    """A trainer hook (``train(..., trainer_hook=...)``) that calls ``action(trainer)`` right
    after step ``k`` (or right before it, with ``before``)."""

    def hook(trainer):
        step = trainer.step

        def wrapped():
            if before and trainer.step_count == k:
                action(trainer)
            logs = step()
            if not before and trainer.step_count == k:
                action(trainer)
            return logs

        trainer.step = wrapped

    return hook


def poison_critic(trainer) -> None:
    """Fill a critic weight with NaN: the next losses are not finite."""
    with torch.no_grad():
        next(trainer.D.parameters()).fill_(float("nan"))


def sigterm_after(k: int):
    """A trainer hook: a real SIGTERM to this process right after step k."""
    return at_step(k, lambda _: os.kill(os.getpid(), signal.SIGTERM))


def _crash(_):
    raise KeyboardInterrupt("simulated crash")


def crash_after(k: int):
    """A trainer hook: a crash (no checkpoint written) right after step k."""
    return at_step(k, _crash)

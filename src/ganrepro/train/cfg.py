"""CFG-GAN (xICFG, Johnson & Zhang 2018), following the authors' PyTorch code.

The generator is G(z) = G~(z) followed by T functional-gradient steps
``x <- x + eta * grad_x D_t(x)``, one per discriminator snapshot D_1..D_T. One ``step()`` is one
stage: first the approximator G~ is refit by L2 regression to ``approx_n`` samples of the
previous stage's G (``approx_epochs`` epochs, a fresh optimiser, lr times ``approx_decay`` when
an epoch's loss rises, at most ``approx_max_decays`` times; the first stage instead fits the
authors' random linear start), then for t = 1..T, U updates of D with the logistic loss on real
data vs G_{t-1} (the first t-1 steps), then D_t <- D. D's optimiser state is kept across stages.

The refit opens the next stage rather than closing this one, so that after a stage the trainer
holds exactly the generator the stage trained against: the approximator that was pushed in it
plus its T snapshots. That is what the authors generate and save (cfggan.py:54-59 run before
``ddg.approximate``), and what ``sample()``, the checkpoints and evaluation use.

Runtime knobs: fused optimisers, channels-last and the joint critic pass apply; ``autocast`` and
``compile`` do not (every pass here runs in fp32, eagerly: the functional-gradient steps
differentiate D with respect to its input, as the gradient penalty does), and logs leave the
device every stage (``log_every`` 1). The trainer's ``runtime`` says what is in force, and that
is what ``train.json`` records.

A stage whose |mean D(real) - mean D(fake)| exceeds ``guard`` is reported as divergence, once
``guard_after`` stages have run (the authors' guard acts from stage 2000, cfggan.py:50).
"""

from __future__ import annotations

import copy
import dataclasses
import sys

import torch
from torch import Tensor
from torch.func import functional_call

from ganrepro.config.types import RunConfig
from ganrepro.models import build, output_range
from ganrepro.registry import LOSSES
from ganrepro.train.adversarial import grad_norm, load_optimizer, make_optimizer
from ganrepro.train.batches import IndexBatches
from ganrepro.train.runtime import Runtime, floats, per_sample


def push(d_net, snapshots: list[dict], x: Tensor, eta: float) -> Tensor:
    """``x`` moved by one step ``x + eta * grad_x D_t(x)`` per snapshot, in order."""
    for params in snapshots:
        x = x.detach().requires_grad_(True)
        score, _ = functional_call(d_net, params, (x,))
        (grad,) = torch.autograd.grad(score.sum(), x)
        x = x + eta * grad
    return x.detach()


def generate(g_net, d_net, snapshots: list[dict], eta: float, z: Tensor) -> Tensor:
    """G(z): the approximator ``g_net`` in eval mode (BatchNorm running statistics, as the
    authors' ``generate``), pushed through ``snapshots`` of ``d_net``. Training, checkpoints,
    evaluation and figures all sample through this function."""
    was = g_net.training
    g_net.eval()
    try:
        with torch.no_grad():
            x = g_net(z)
    finally:
        g_net.train(was)
    return push(d_net, snapshots, x, eta)


def regression_loss(fake: Tensor, target: Tensor) -> Tensor:
    """The approximator's loss: sum of squared errors / 2 / batch size (as the authors')."""
    return ((fake - target) ** 2).sum() / 2 / fake.shape[0]


class CFGTrainer:
    LOG_COLUMNS = (
        "loss_d",
        "d_real",
        "d_fake",
        "gap",
        "approx_loss",
        "approx_lr",
        "grad_norm_d",
        "lr",
    )

    def __init__(
        self,
        run: RunConfig,
        x: Tensor,
        y: Tensor | None,
        n_classes: int,
        seed: int,
        runtime: Runtime | None = None,
    ):
        self.run, self.cfg = run, run.cfg
        runtime = runtime or Runtime()
        if runtime.autocast != "none" or runtime.compile:
            print(
                f"{run.id}: CFG-GAN trains in fp32 and eagerly; runtime autocast="
                f"{runtime.autocast} and compile={str(runtime.compile).lower()} do not apply",
                file=sys.stderr,
            )
        # step() fetches its logs itself, once a stage: buffering gains nothing, and the
        # guard must act at once
        self.runtime = runtime = dataclasses.replace(
            runtime, autocast="none", compile=False, log_every=1
        )
        self.device = x.device
        self.range = output_range(run.model)
        self.batches = IndexBatches(x, None, seed, self.range)
        self.G, self.D = build(run.model, x.shape[1], n_classes, ac=False)
        runtime.prepare(self.G.to(self.device), self.device)
        runtime.prepare(self.D.to(self.device), self.device)
        self.joint = runtime.joint_critic and per_sample(self.D)
        self.opt_d = make_optimizer(self.D.parameters(), run.optim, fused=runtime.fused_optim)
        self.loss = LOSSES[run.objective.loss]  # logistic: the loader allows no other
        # D_1..D_T start as copies of the initial D (buffers included)
        self.snapshots = [self._d_params() for _ in range(self.cfg.T)]
        self.total = run.schedule.stages
        self.step_count = 0
        self.images_per_step = run.schedule.batch_size * self.cfg.T * self.cfg.U
        self.initialized = False

    def _d_params(self) -> dict[str, Tensor]:
        return {k: v.detach().clone() for k, v in self.D.state_dict().items()}

    def _z(self, n: int) -> Tensor:
        return torch.randn(n, self.run.model.z_dim, device=self.device)

    def generate(self, z: Tensor, t: int | None = None) -> Tensor:
        """G(z) through the first ``t`` snapshots (all T by default)."""
        snaps = self.snapshots[: self.cfg.T if t is None else t]
        return generate(self.G, self.D, snaps, self.cfg.eta, z)

    def approx_optimizer(self) -> torch.optim.Optimizer:
        """A fresh optimiser for one refit: D's ``optim`` settings (name, alpha or betas, eps;
        the authors' cfggan.py OptimConfig serves "discriminator and approximator"), at
        ``cfg.approx_lr``."""
        return make_optimizer(
            self.G.parameters(),
            self.run.optim,
            lr=self.cfg.approx_lr,
            fused=self.runtime.fused_optim,
        )

    def _fit_approximator(self, z: Tensor, target: Tensor) -> tuple[float, float]:
        c = self.cfg
        opt = self.approx_optimizer()
        lr, decays, last = c.approx_lr, 0, float("inf")
        decay, max_decays = c.approx_decay, c.approx_max_decays
        for _ in range(c.approx_epochs):
            order = torch.randperm(len(z), device=self.device)
            total = torch.zeros((), device=self.device)
            for i in range(0, len(z), c.approx_batch_size):
                idx = order[i : i + c.approx_batch_size]
                loss = regression_loss(self.G(z[idx]), target[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.detach() * len(idx)
            epoch_loss = float(total) / len(z)
            if epoch_loss > last and decays < max_decays:
                lr *= decay
                decays += 1
                for group in opt.param_groups:
                    group["lr"] = lr
            last = epoch_loss
        return last, lr

    def approximate(self) -> tuple[float, float]:
        """Refit G~ to ``approx_n`` samples of the full G (G~ then all T steps)."""
        z = self._z(self.cfg.approx_n)
        target = torch.cat(
            [
                self.generate(z[i : i + self.cfg.approx_batch_size])
                for i in range(0, len(z), self.cfg.approx_batch_size)
            ]
        )
        return self._fit_approximator(z, target)

    def initialize(self) -> tuple[float, float]:
        """The authors' start: G~ regressed onto a small random linear map of z, clamped to
        the image range, so that G~ begins near a smooth, low-contrast generator."""
        z = self._z(self.cfg.approx_n)
        w = torch.randn(z.shape[1], *self.batches.x.shape[1:], device=self.device) * 0.01
        target = torch.einsum("nz,zchw->nchw", z, w).clamp(*self.range)
        fit = self._fit_approximator(z, target)
        self.initialized = True
        return fit

    def d_update(self, t: int) -> dict[str, Tensor]:
        """One logistic-loss update of D: real data vs G through the first ``t`` snapshots
        (both scored in one pass when D treats each sample on its own)."""
        real, _ = self.batches.next(self.run.schedule.batch_size)
        fake = self.generate(self._z(real.shape[0]), t)
        if self.joint:
            s_real, s_fake = self.D(torch.cat((real, fake)))[0].split(real.shape[0])
        else:
            s_real, _ = self.D(real)
            s_fake, _ = self.D(fake)
        loss = self.loss.d(s_real, s_fake)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        gn = grad_norm(self.D)
        self.opt_d.step()
        return {
            "loss_d": loss.detach(),
            "d_real": s_real.detach().mean(),
            "d_fake": s_fake.detach().mean(),
            "grad_norm_d": gn,
        }

    def step(self) -> dict[str, float]:
        """One xICFG stage: the approximator refit to the previous stage's G (the initial fit in
        the first stage), then T snapshots of U updates each. The last update's statistics
        stand for the stage (the guard watches them)."""
        approx_loss, approx_lr = self.approximate() if self.initialized else self.initialize()
        for t in range(self.cfg.T):
            for _ in range(self.cfg.U):
                last = self.d_update(t)
            self.snapshots[t] = self._d_params()
        self.step_count += 1
        logs = floats(last)  # one transfer per stage
        return {
            **logs,
            "gap": abs(logs["d_real"] - logs["d_fake"]),
            "approx_loss": approx_loss,
            "approx_lr": approx_lr,
            "lr": self.run.optim.lr,
        }

    def diverged(self, logs: dict[str, float], step: int) -> str | None:
        """The guard, from stage ``guard_after`` on: ``logs`` are stage ``step``'s."""
        after, guard = self.cfg.guard_after, self.cfg.guard
        if step > after and logs["gap"] > guard:
            return f"|mean D(real) - mean D(fake)| = {logs['gap']:.3g} exceeds the guard {guard}"
        return None

    def sample(self, z: Tensor, y: Tensor | None) -> Tensor:
        """The generator the last stage trained against: G~ and all T snapshots."""
        return self.generate(z)

    def state_dict(self) -> dict:
        return {
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "snapshots": copy.deepcopy(self.snapshots),
            "batches": self.batches.state_dict(),
            "step": self.step_count,
            "initialized": self.initialized,
        }

    def load_state_dict(self, state: dict) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        load_optimizer(self.opt_d, state["opt_d"])
        self.snapshots = [{k: v.to(self.device) for k, v in s.items()} for s in state["snapshots"]]
        self.batches.load_state_dict(state["batches"])
        self.step_count = state["step"]
        self.initialized = state["initialized"]

"""One adversarial training loop for every non-CFG run: BCE, Wasserstein with clipping or
gradient penalty, auxiliary classification, n_critic, separate batch sizes, linear lr decay.

One ``step()`` is one generator iteration: ``n_critic`` critic updates, then one generator
update. Fake batches for the critic reuse the real batch's labels; the generator's batch draws
uniform labels (conditional runs).
"""

from __future__ import annotations

import contextlib
import math

import torch
from torch import Tensor, nn

from ganrepro import objectives
from ganrepro.config.types import RunConfig
from ganrepro.models import build, output_range
from ganrepro.registry import OPTIMIZERS
from ganrepro.train.batches import IndexBatches
from ganrepro.train.runtime import Runtime, per_sample


def make_optimizer(
    params, cfg, lr: float | None = None, fused: bool = False
) -> torch.optim.Optimizer:
    """The optimiser of an ``OptimConfig`` (at ``lr`` when given): every setting that changes
    its steps is passed, none left to PyTorch's defaults. ``fused``: Adam's fused kernel,
    RMSprop's foreach path (the same update, its sums in another order)."""
    lr = cfg.lr if lr is None else lr
    if cfg.name == "adam":
        extra = {"betas": tuple(cfg.betas), **({"fused": True} if fused else {})}
    elif cfg.name == "rmsprop":
        extra = {"alpha": cfg.alpha, "momentum": 0.0, "centered": False}
        extra |= {"foreach": True} if fused else {}
    else:
        raise ValueError(f"unknown optimiser {cfg.name!r}")
    return OPTIMIZERS[cfg.name](params, lr=lr, eps=cfg.eps, weight_decay=0.0, **extra)


@contextlib.contextmanager
def frozen(module: nn.Module):
    """``module``'s parameters need no gradient inside (they still pass one through)."""
    flags = [p.requires_grad for p in module.parameters()]
    module.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(module.parameters(), flags, strict=True):
            p.requires_grad_(flag)


def load_optimizer(opt: torch.optim.Optimizer, state: dict) -> None:
    """``opt.load_state_dict(state)``, keeping ``opt``'s own implementation (fused, foreach):
    a saved state carries the flags of the process that wrote it."""
    impl = [{k: g[k] for k in ("fused", "foreach") if k in g} for g in opt.param_groups]
    opt.load_state_dict(state)
    for group, keep in zip(opt.param_groups, impl, strict=True):
        group.update(keep)


def grad_norm(module: nn.Module) -> Tensor:
    """The L2 norm of all of ``module``'s gradients together (per-tensor norms, then their
    norm: no copy of the gradients)."""
    grads = [p.grad.detach() for p in module.parameters() if p.grad is not None]
    return torch.nn.utils.get_total_norm(grads) if grads else torch.zeros(())


def total_iterations(run: RunConfig, n_train: int) -> int:
    """Generator iterations: as given, or epochs of real batches over the training data (one
    batch per critic step, or per generator iteration with ``reuse_real``)."""
    s = run.schedule
    if s.iterations is not None:
        return s.iterations
    per_iteration = s.batch_size * (1 if s.reuse_real else s.n_critic)
    return max(1, math.floor(s.epochs * n_train / per_iteration + 0.5))


class AdversarialTrainer:
    LOG_COLUMNS = (
        "loss_d",
        "loss_g",
        "d_real",
        "d_fake",
        "wdist",
        "gp",
        "ac_d",
        "ac_g",
        "grad_norm_d",
        "grad_norm_g",
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
        self.run = run
        self.runtime = runtime = runtime or Runtime()
        self.device = x.device
        self.range = output_range(run.model)
        self.batches = IndexBatches(x, y, seed, self.range)
        self.n_classes = n_classes
        self.conditional = run.model.conditional or run.objective.ac is not None
        self.G, self.D = build(run.model, x.shape[1], n_classes, ac=run.objective.ac is not None)
        runtime.prepare(self.G.to(self.device), self.device)
        runtime.prepare(self.D.to(self.device), self.device)
        self.g_net, self.d_net = runtime.forward(self.G), runtime.forward(self.D)
        self.joint = runtime.joint_critic and per_sample(self.D)
        self.opt_g = make_optimizer(self.G.parameters(), run.optim, fused=runtime.fused_optim)
        self.opt_d = make_optimizer(self.D.parameters(), run.optim, fused=runtime.fused_optim)
        self.loss = objectives.loss_of(run.objective)
        self.total = total_iterations(run, len(x))
        self.step_count = 0
        self.images_per_step = run.schedule.batch_size * run.schedule.n_critic + self.g_batch

    @property
    def g_batch(self) -> int:
        return self.run.schedule.g_batch_size or self.run.schedule.batch_size

    def _z(self, n: int) -> Tensor:
        return torch.randn(n, self.run.model.z_dim, device=self.device)

    def _set_lr(self) -> float:
        lr = self.run.optim.lr
        if self.run.optim.lr_decay == "linear":
            lr *= 1.0 - self.step_count / self.total
        for opt in (self.opt_d, self.opt_g):
            for group in opt.param_groups:
                group["lr"] = lr
        return lr

    def _D(self, x: Tensor, y: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """The critic's scores (fp32) and class logits, in the runtime's precision."""
        with self.runtime.autocast_to(self.device):
            score, cls = self.d_net(x, y)
        return score.float(), (cls.float() if cls is not None else None)

    def _G(self, z: Tensor, y: Tensor | None) -> Tensor:
        with self.runtime.autocast_to(self.device):
            return self.g_net(z, y).float()

    def critic_loss(self, real: Tensor, fake: Tensor, y: Tensor | None) -> tuple[Tensor, dict]:
        """The critic's loss on one real and one fake batch, with its regularisers. A critic
        that treats each sample on its own scores both in one pass (``Runtime.joint_critic``)."""
        o = self.run.objective
        if self.joint:
            both, cls = self._D(torch.cat((real, fake)), None if y is None else torch.cat((y, y)))
            s_real, s_fake = both.split(real.shape[0])
            cls_real = None if cls is None else cls[: real.shape[0]]
        else:
            s_real, cls_real = self._D(real, y)
            s_fake, _ = self._D(fake, y)
        loss = self.loss.d(s_real, s_fake)
        parts = {"d_real": s_real.mean(), "d_fake": s_fake.mean()}
        if o.gp:
            eps = torch.rand(real.shape[0], device=self.device)
            # eager: a compiled backward cannot be differentiated again (create_graph)
            gp = objectives.gradient_penalty(lambda x: self.D(x, y)[0], real, fake, eps)
            loss = loss + o.gp * gp
            parts["gp"] = gp
        if o.ac is not None:  # on real images only, as gan_cifar_resnet.py
            ac = objectives.classification(cls_real, y)
            loss = loss + o.ac.d * ac
            parts["ac_d"] = ac
        return loss, parts

    def generator_loss(self, z: Tensor, y: Tensor | None) -> tuple[Tensor, dict]:
        o = self.run.objective
        score, cls = self._D(self._G(z, y), y)
        loss = self.loss.g(score)
        parts = {}
        if o.ac is not None:
            ac = objectives.classification(cls, y)
            loss = loss + o.ac.g * ac
            parts["ac_g"] = ac
        return loss, parts

    def critic_step(self, batch: tuple[Tensor, Tensor | None] | None = None) -> dict[str, Tensor]:
        """One critic update on ``batch``, else a fresh real batch (and weight clipping, if
        any); the fake batch is always fresh."""
        real, y = batch or self.batches.next(self.run.schedule.batch_size)
        y = y if self.conditional else None
        with torch.no_grad():
            fake = self._G(self._z(real.shape[0]), y)
        loss, parts = self.critic_loss(real, fake, y)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        parts["grad_norm_d"] = grad_norm(self.D)
        self.opt_d.step()
        if self.run.objective.clip:
            objectives.clip_(self.D.parameters(), self.run.objective.clip)
        return {"loss_d": loss.detach(), **{k: v.detach() for k, v in parts.items()}}

    def generator_step(self) -> dict[str, Tensor]:
        """One generator update on ``g_batch_size`` latents (uniform labels if conditional)."""
        y = (
            torch.randint(0, self.n_classes, (self.g_batch,), device=self.device)
            if self.conditional
            else None
        )
        # the critic's weights need no gradient here (the next critic step would drop it)
        with frozen(self.D):
            loss, parts = self.generator_loss(self._z(self.g_batch), y)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        parts["grad_norm_g"] = grad_norm(self.G)
        self.opt_g.step()
        return {"loss_g": loss.detach(), **{k: v.detach() for k, v in parts.items()}}

    def step(self) -> dict[str, Tensor]:
        """One generator iteration: ``n_critic`` critic steps (logged as means), one G step.
        With ``reuse_real`` the critic steps share one real batch (the WGAN-GP tutorial's loop,
        "4. WGAN-GP/train.py", the loops at l.68-76). The logged values stay on the device as
        0-d tensors (no host sync here; :func:`ganrepro.train.runtime.floats` fetches them)."""
        s = self.run.schedule
        n = s.n_critic
        lr = self._set_lr()
        shared = self.batches.next(s.batch_size) if s.reuse_real else None
        sums: dict[str, Tensor] = {}
        for _ in range(n):
            for k, v in self.critic_step(shared).items():
                sums[k] = sums.get(k, 0) + v
        out = {k: v / n for k, v in sums.items()}
        out.update(self.generator_step(), lr=lr)
        out["wdist"] = out["d_real"] - out["d_fake"]
        self.step_count += 1
        return out

    @torch.no_grad()
    def sample(self, z: Tensor, y: Tensor | None) -> Tensor:
        """Images in the model's range, BatchNorm in eval mode (running statistics)."""
        was = self.G.training
        self.G.eval()
        try:
            return self.G(z, y if self.conditional else None)
        finally:
            self.G.train(was)

    def state_dict(self) -> dict:
        return {
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "batches": self.batches.state_dict(),
            "step": self.step_count,
        }

    def load_state_dict(self, state: dict) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        load_optimizer(self.opt_g, state["opt_g"])
        load_optimizer(self.opt_d, state["opt_d"])
        self.batches.load_state_dict(state["batches"])
        self.step_count = state["step"]

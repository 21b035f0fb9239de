"""A peer-style training loop, written here from the published structure of the loops the
GAN-reproduction repositories share (pytorch-gan-collections, the WGAN-GP tutorials): a
``DataLoader`` with workers over a map-style dataset, a real and a fake critic pass, the
gradient penalty through ``autograd.grad(grad_outputs=ones)``, ``torch.optim`` with its default
implementation, and every loss logged each step with ``.item()``. It drives ganrepro's own G
and D at a run's settings, so a comparison measures the loops, not the models.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class ImageDataset(Dataset):
    """uint8 images converted to the model's range one at a time, as torchvision's
    ``ToTensor`` + ``Normalize`` do."""

    def __init__(self, x, y, value_range):
        self.x, self.y, (self.lo, self.hi) = x, y, value_range

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i].float() * ((self.hi - self.lo) / 255.0) + self.lo, self.y[i]


def infinite(loader):
    while True:
        yield from loader


class PeerLoop:
    """One ``step()`` = n_critic critic updates and one generator update, like ganrepro's."""

    def __init__(self, run, x, y, n_classes, device, workers: int = 2):
        from ganrepro.models import build, output_range

        torch.manual_seed(0)
        self.run, self.device, self.n_classes = run, device, n_classes
        self.conditional = run.model.conditional or run.objective.ac is not None
        self.G, self.D = build(run.model, x.shape[1], n_classes, ac=run.objective.ac is not None)
        self.G.to(device)
        self.D.to(device)
        o = run.optim
        if o.name == "adam":
            make = lambda ps: torch.optim.Adam(ps, lr=o.lr, betas=tuple(o.betas), eps=o.eps)  # noqa: E731
        else:
            make = lambda ps: torch.optim.RMSprop(ps, lr=o.lr, alpha=o.alpha, eps=o.eps)  # noqa: E731
        self.opt_g, self.opt_d = make(self.G.parameters()), make(self.D.parameters())
        s = run.schedule
        self.batch = s.batch_size
        self.g_batch = s.g_batch_size or s.batch_size
        loader = DataLoader(
            ImageDataset(x, y, output_range(run.model)),
            batch_size=s.batch_size,
            shuffle=True,
            num_workers=workers,
            drop_last=True,
            pin_memory=device.type == "cuda",
            persistent_workers=workers > 0,
        )
        self.data = infinite(loader)
        self.images_per_step = s.batch_size * s.n_critic + self.g_batch
        self.log: list[dict[str, float]] = []

    def _d_loss(self, real_score, fake_score):
        o = self.run.objective
        if o.loss == "bce":
            ones, zeros = torch.ones_like(real_score), torch.zeros_like(fake_score)
            return F.binary_cross_entropy_with_logits(
                real_score, ones
            ) + F.binary_cross_entropy_with_logits(fake_score, zeros)
        return -real_score.mean() + fake_score.mean()

    def _g_loss(self, score):
        if self.run.objective.loss == "bce":
            return F.binary_cross_entropy_with_logits(score, torch.ones_like(score))
        return -score.mean()

    def _penalty(self, real, fake, y):
        alpha = torch.rand(real.size(0), 1, 1, 1, device=self.device)
        interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        d_interpolates = self.D(interpolates, y)[0]
        gradients = torch.autograd.grad(
            outputs=d_interpolates,
            inputs=interpolates,
            grad_outputs=torch.ones_like(d_interpolates),
            create_graph=True,
            retain_graph=True,
        )[0]
        return ((gradients.view(gradients.size(0), -1).norm(2, dim=1) - 1) ** 2).mean()

    def step(self) -> None:
        o, s = self.run.objective, self.run.schedule
        row = {}
        for _ in range(s.n_critic):
            real, y = next(self.data)
            real, y = real.to(self.device), y.to(self.device)
            y = y if self.conditional else None
            z = torch.randn(real.size(0), self.run.model.z_dim, device=self.device)
            with torch.no_grad():
                fake = self.G(z, y).detach()
            real_score, real_cls = self.D(real, y)
            fake_score, _ = self.D(fake, y)
            loss = self._d_loss(real_score, fake_score)
            if o.gp:
                loss = loss + o.gp * self._penalty(real, fake, y)
            if o.ac is not None:
                loss = loss + o.ac.d * F.cross_entropy(real_cls, y)
            self.opt_d.zero_grad()
            loss.backward()
            self.opt_d.step()
            if o.clip:
                for p in self.D.parameters():
                    p.data.clamp_(-o.clip, o.clip)
            row["loss_d"] = loss.item()
            row["d_real"] = real_score.mean().item()
            row["d_fake"] = fake_score.mean().item()
        y = (
            torch.randint(0, self.n_classes, (self.g_batch,), device=self.device)
            if self.conditional
            else None
        )
        z = torch.randn(self.g_batch, self.run.model.z_dim, device=self.device)
        score, cls = self.D(self.G(z, y), y)
        loss_g = self._g_loss(score)
        if o.ac is not None:
            loss_g = loss_g + o.ac.g * F.cross_entropy(cls, y)
        self.opt_g.zero_grad()
        loss_g.backward()
        self.opt_g.step()
        row["loss_g"] = loss_g.item()
        self.log.append(row)

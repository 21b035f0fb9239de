"""One step of every run: the right parameters change, losses are what they say they are."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from ganrepro.objectives import loss_of
from ganrepro.train.cfg import push, regression_loss

from .helpers import changed, make_trainer, params_of


def pytest_generate_tests(metafunc):
    from ganrepro.config import load_params
    from tests.conftest import ROOT

    runs = load_params(ROOT / "params.yaml", scale="quick").runs
    if "adv_id" in metafunc.fixturenames:
        metafunc.parametrize("adv_id", [k for k, r in runs.items() if r.trainer != "cfg"])
    if "cfg_id" in metafunc.fixturenames:
        metafunc.parametrize("cfg_id", [k for k, r in runs.items() if r.trainer == "cfg"])


def test_critic_step_changes_only_the_critic(quick_params, adv_id):
    tr = make_trainer(quick_params.run(adv_id))
    g0, d0 = params_of(tr.G), params_of(tr.D)
    tr.critic_step()
    assert not any(changed(g0, tr.G))
    assert any(changed(d0, tr.D))


def test_generator_step_changes_only_the_generator(quick_params, adv_id):
    tr = make_trainer(quick_params.run(adv_id))
    g0, d0 = params_of(tr.G), params_of(tr.D)
    tr.generator_step()
    assert not any(changed(d0, tr.D))
    assert any(changed(g0, tr.G))


def test_losses_are_the_objective_plus_weighted_regularisers(quick_params, adv_id):
    run = quick_params.run(adv_id)
    o = run.objective
    tr = make_trainer(run)
    real, y = tr.batches.next(8)
    y = y if tr.conditional else None
    fake = tr.G(torch.randn(8, run.model.z_dim), y).detach()
    torch.manual_seed(2)  # the same dropout masks in both computations
    loss, parts = tr.critic_loss(real, fake, y)
    torch.manual_seed(2)
    s_real, cls_real = tr.D(real, y)
    s_fake, _ = tr.D(fake, y)
    expect = loss_of(o).d(s_real, s_fake)
    if o.gp:
        expect = expect + o.gp * parts["gp"]
    if o.ac is not None:
        ce = F.cross_entropy(cls_real, y)
        assert_close(parts["ac_d"], ce)
        expect = expect + o.ac.d * ce
    assert_close(loss, expect)

    z = torch.randn(8, run.model.z_dim)
    torch.manual_seed(1)
    loss_g, parts_g = tr.generator_loss(z, y)
    torch.manual_seed(1)  # same dropout masks
    score, cls = tr.D(tr.G(z, y), y)
    expect_g = loss_of(o).g(score)
    if o.ac is not None:
        expect_g = expect_g + o.ac.g * F.cross_entropy(cls, y)
    assert_close(loss_g, expect_g)


def test_ac_weights_are_the_configured_ones(quick_params):
    run = quick_params.run("acwgan/cifar10")
    assert (run.objective.ac.d, run.objective.ac.g) == (1.0, 0.1)
    tr = make_trainer(run)
    real, y = tr.batches.next(8)
    fake = tr.G(torch.randn(8, run.model.z_dim), y).detach()
    torch.manual_seed(3)
    loss, parts = tr.critic_loss(real, fake, y)
    torch.manual_seed(3)
    s_real, _ = tr.D(real, y)
    s_fake, _ = tr.D(fake, y)
    w = s_fake.mean() - s_real.mean()
    assert_close(loss - w - 10 * parts["gp"], parts["ac_d"])  # weight 1.0 on the critic side


def test_clipping_bounds_hold_after_a_step(quick_params):
    clipped = [r for r in quick_params.runs.values() if r.objective.clip]
    assert len(clipped) >= 6  # frank/wgan and ding's study
    for run in clipped:
        tr = make_trainer(run)
        tr.step()
        c = run.objective.clip
        worst = max(p.abs().max().item() for p in tr.D.parameters())
        assert worst <= c, run.id
        assert worst == pytest.approx(c), run.id  # clipping was active, not vacuous


def test_linear_lr_decay_reaches_zero(quick_params):
    run = quick_params.run("acwgan/cifar10")
    tr = make_trainer(run)
    lrs = []
    for _ in range(3):
        lrs.append(tr._set_lr())
        tr.step_count += 1
    total = tr.total
    assert lrs == [pytest.approx(run.optim.lr * (1 - k / total)) for k in range(3)]
    tr.step_count = total
    assert tr._set_lr() == 0.0


def test_cfg_push_is_x_plus_eta_grad(quick_params, cfg_id):
    run = quick_params.run(cfg_id)
    tr = make_trainer(run)
    x = torch.rand(4, *tr.batches.x.shape[1:]) * 2 - 1
    x_req = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(tr.D(x_req)[0].sum(), x_req)
    got = push(tr.D, [tr._d_params()], x, run.cfg.eta)
    assert_close(got, x + run.cfg.eta * grad)
    # two snapshots: the second step is taken at the moved point
    x1 = (x + run.cfg.eta * grad).requires_grad_(True)
    (grad1,) = torch.autograd.grad(tr.D(x1)[0].sum(), x1)
    got2 = push(tr.D, [tr._d_params()] * 2, x, run.cfg.eta)
    assert_close(got2, x1.detach() + run.cfg.eta * grad1)


def test_cfg_d_update_changes_only_d_and_refit_only_g(quick_params, cfg_id):
    tr = make_trainer(quick_params.run(cfg_id))
    g0, d0 = params_of(tr.G), params_of(tr.D)
    tr.d_update(0)
    assert not any(changed(g0, tr.G)) and any(changed(d0, tr.D))
    d1 = params_of(tr.D)
    tr.approximate()
    assert not any(changed(d1, tr.D)) and any(changed(g0, tr.G))


def test_cfg_approximator_regression_loss_falls(quick_params, cfg_id):
    run = quick_params.run(cfg_id)  # the full scale's 10 epochs: RMSprop(0.95) starts small
    tr = make_trainer(dataclasses.replace(run, cfg=dataclasses.replace(run.cfg, approx_epochs=10)))
    torch.manual_seed(0)
    z = torch.randn(64, tr.run.model.z_dim)
    target = tr.generate(z)  # the pushed samples G~ must learn to produce directly
    target = target + 0.3 * torch.sign(target)  # make the fit non-trivial
    before = regression_loss(tr.G(z), target).item()
    after, _ = tr._fit_approximator(z, target)
    assert after < 0.9 * before


def test_cfg_stage_stores_t_snapshots_and_keeps_optimiser_state(quick_params, cfg_id):
    tr = make_trainer(quick_params.run(cfg_id))
    tr.step()
    snaps = tr.snapshots
    assert len(snaps) == tr.cfg.T
    assert not torch.equal(next(iter(snaps[0].values())), next(iter(snaps[-1].values())))
    for k, v in tr.D.state_dict().items():
        assert torch.equal(snaps[-1][k], v)  # D_T is the current D
    state = tr.opt_d.state_dict()["state"]
    steps = {float(s["step"]) for s in state.values() if "step" in s}
    assert steps in (set(), {float(tr.cfg.T * tr.cfg.U)})  # RMSprop: one count for the stage


def test_reuse_real_shares_one_real_batch_and_redefines_the_epoch(quick_params):
    """The WGAN-GP tutorial's loop: n_critic critic steps on one real batch, fresh fakes."""
    run = quick_params.run("agarwal/wgan_gp")
    assert not run.schedule.reuse_real  # quick: one real batch per critic step
    shared = dataclasses.replace(run, schedule=dataclasses.replace(run.schedule, reuse_real=True))
    n, bs, k = 48, run.schedule.batch_size, run.schedule.n_critic
    for cfg, reals in ((run, k), (shared, 1)):
        tr = make_trainer(cfg)
        seen = []
        draw = tr.batches.next
        tr.batches.next = lambda size, draw=draw, seen=seen: seen.append(size) or draw(size)
        tr.step()
        assert seen == [bs] * reals
        epochs = cfg.schedule.epochs
        assert tr.total == max(1, int(epochs * n / (bs * (k if reals == k else 1)) + 0.5))


def test_frank_dcgan_trains_with_the_notebooks_smoothed_labels(quick_params):
    """D's targets 0.9 / 0.1, G's 0.9: the hand values of tests/test_objectives.py."""
    tr = make_trainer(quick_params.run("frank/dcgan"))
    assert_close(tr.loss.d(torch.tensor([2.0]), torch.tensor([-1.0])), torch.tensor(0.740190))
    assert_close(tr.loss.g(torch.tensor([-1.0])), torch.tensor(1.213262))

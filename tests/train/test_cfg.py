"""CFG-GAN against the authors' code (riejohnson/cfg-gan-pt), with numbers.

- the generator a stage leaves behind (sampled, checkpointed, evaluated) is the approximator
  that stage pushed, followed by that stage's T pushes (cfggan.py:54-59 generate and save
  before ``ddg.approximate``);
- D and the approximator use RMSprop with alpha 0.95, eps 1e-18 (train_cfggan.py:103);
- the guard acts only after ``guard_after`` stages (cfggan.py:50).
"""

from __future__ import annotations

import copy
import dataclasses
import json

import torch
import yaml
from torch.testing import assert_close

from ganrepro.config import load_params
from ganrepro.evaluate.sampling import Sampler
from ganrepro.train import checkpoint
from ganrepro.train.adversarial import make_optimizer
from ganrepro.train.runtime import Runtime

from .helpers import make_trainer

RUN = "zhu/cfg_dcgan_mnist"


def _hand_push(d_net, snapshots, x, eta):
    """x + eta * grad_x D_t(x) for t = 1..T, with plain autograd on a loaded copy of D."""
    d = copy.deepcopy(d_net)
    for snap in snapshots:
        d.load_state_dict(snap)
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(d(x)[0].sum(), x)
        x = x + eta * grad
    return x.detach()


def _g_out(g_net, z):
    g = copy.deepcopy(g_net).eval()
    with torch.no_grad():
        return g(z)


def test_the_sample_is_the_stages_approximator_plus_its_t_pushes(quick_params):
    run = quick_params.run(RUN)
    tr = make_trainer(run)
    tr.step()  # stage 1
    state, rng = copy.deepcopy(tr.state_dict()), torch.get_rng_state()
    tr.step()  # stage 2, by the trainer

    # stage 2 by hand, from the same state and random stream: refit, then T snapshots
    twin = make_trainer(run)
    twin.load_state_dict(state)
    torch.set_rng_state(rng)
    twin.approximate()
    pushed = copy.deepcopy(twin.G)  # the approximator stage 2 pushes
    snaps = []
    for t in range(run.cfg.T):
        twin.d_update(t)
        twin.snapshots[t] = twin._d_params()
        snaps.append(copy.deepcopy(twin.D.state_dict()))

    z = torch.randn(16, run.model.z_dim, generator=torch.Generator().manual_seed(3))
    expect = _hand_push(tr.D, snaps, _g_out(pushed, z), run.cfg.eta)
    assert_close(tr.sample(z, None), expect)
    # the old order (refit after the stage, the new approximator pushed through the same
    # snapshots again) gives other images: the test can tell the two apart
    twin.approximate()
    old = _hand_push(tr.D, snaps, _g_out(twin.G, z), run.cfg.eta)
    assert (old - expect).abs().max() > 1e-3


def test_the_checkpoint_samples_what_the_trainer_samples(quick_params, tmp_path):
    run = quick_params.run(RUN)
    tr = make_trainer(run)
    tr.step()
    tr.step()
    path = tmp_path / "checkpoint.pt"
    checkpoint.save(
        path,
        {
            "run_id": run.id,
            "config": run.to_dict(),
            "config_hash": run.hash(),
            "seed": 0,
            "step": tr.step_count,
            "total": tr.total,
            "trainer": tr.state_dict(),
            "rng": checkpoint.rng_state(),
        },
    )
    z = torch.randn(8, run.model.z_dim, generator=torch.Generator().manual_seed(5))
    assert_close(Sampler(run, path).images(z, None), tr.sample(z, None))


def _one_rmsprop_step(make):
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.randn(5))
    opt = make([p])
    p.grad = torch.tensor([1e-3, -2.0, 0.0, 0.5, 3.0])
    opt.step()
    return p.detach(), opt.state_dict()["state"][0]["square_avg"]


def test_d_and_approximator_use_the_authors_rmsprop(root, quick_params):
    """train_cfggan.py:103: optim_eps=1e-18, optim_a1=0.95, for D and the approximator."""
    full = load_params(root / "params.yaml", scale="full").run(RUN)
    reference = _one_rmsprop_step(
        lambda ps: torch.optim.RMSprop(ps, lr=2.5e-4, alpha=0.95, eps=1e-18)
    )
    ours = _one_rmsprop_step(lambda ps: make_optimizer(ps, full.optim))
    assert_close(ours, reference, rtol=0, atol=0)
    # and they differ from PyTorch's defaults (alpha 0.99, eps 1e-8): right and wrong differ
    default = _one_rmsprop_step(lambda ps: torch.optim.RMSprop(ps, lr=2.5e-4))
    assert not torch.equal(default[1], reference[1])
    # the trainer's optimisers: D's, and a refit's fresh one at approx_lr
    run = dataclasses.replace(quick_params.run(RUN), optim=full.optim)
    tr = make_trainer(run)
    for opt, lr in ((tr.opt_d, full.optim.lr), (tr.approx_optimizer(), run.cfg.approx_lr)):
        assert isinstance(opt, torch.optim.RMSprop)
        assert (opt.defaults["alpha"], opt.defaults["eps"], opt.defaults["lr"]) == (
            0.95,
            1e-18,
            lr,
        )


def test_the_guard_acts_only_after_guard_after_stages(quick_params):
    run = quick_params.run(RUN)
    run = dataclasses.replace(run, cfg=dataclasses.replace(run.cfg, guard=1.0, guard_after=2))
    tr = make_trainer(run)
    wide = {"gap": 50.0}
    for stage, expect in ((1, None), (2, None), (3, "exceeds the guard")):
        reason = tr.diverged(wide, stage)
        assert reason is None if expect is None else expect in reason
    assert tr.diverged({"gap": 0.5}, 3) is None


def test_train_keeps_the_resolved_config_beside_train_json(root, quick_params, prepared, tmp_path):
    from ganrepro.config.origin import origins, resolved_config
    from ganrepro.train.run import train

    from .helpers import short

    run = short(quick_params.run(RUN), 1, checkpoints=1)
    settings = resolved_config(run, "quick", origins(root / "params.yaml", run))
    asked = Runtime(autocast="bf16")
    train(
        run,
        prepared["digits"],
        tmp_path / "run",
        seed=0,
        device="cpu",
        settings=settings,
        runtime=asked,
    )
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    summary = json.loads((tmp_path / "run" / "train.json").read_text())
    # the knobs in force, not the ones asked for: CFG-GAN trains in fp32, logging every stage
    assert summary["runtime"] == Runtime(log_every=1).to_dict()
    assert saved["config_hash"] == run.hash() and saved["scale"] == "quick"
    assert saved["config"]["optim"]["alpha"] == run.optim.alpha
    assert saved["origin"]["optim.alpha"].startswith("run's own key sources.zhu/cfg_dcgan_mnist")

"""The runtime knobs: the optimised step computes what the plain step computes (up to float
reassociation), makes no host sync, and the low-precision and compiled paths run on the CPU."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from ganrepro.train.runtime import Runtime, floats, per_sample

from .helpers import make_trainer

PLAIN = Runtime(fused_optim=False, channels_last=False, joint_critic=False)
# one run of each family: MLP with dropout, DCGAN with a BatchNorm critic, DCGAN without
# (joint critic pass), ResNet with AC and conditional BN, CFG-GAN
FAMILIES = ("ding/gan", "frank/dcgan", "frank/wgan_gp", "acwgan/cifar10", "zhu/cfg_dcgan_mnist")


def pytest_generate_tests(metafunc):
    if "family" in metafunc.fixturenames:
        metafunc.parametrize("family", FAMILIES)


def _steps(run, runtime, n):
    tr = make_trainer(run, runtime=runtime)
    torch.manual_seed(1)  # the same latents and dropout masks in both
    logs = [floats(tr.step()) for _ in range(n)]
    return tr, logs


def _pair(run, device="cpu"):
    fast = make_trainer(run, runtime=Runtime(), device=device)
    plain = make_trainer(run, runtime=PLAIN, device=device)
    return fast, plain


def _same_draws(fn_a, fn_b):
    torch.manual_seed(1)
    a = fn_a()
    torch.manual_seed(1)
    return a, fn_b()


@pytest.mark.device
def test_the_optimised_step_equals_the_plain_step(quick_params, family, device):
    """One critic update's losses and gradient norm (computed before the weights move) agree
    to float tolerance, and so does every weight after it but a rare one whose gradient is
    near zero (Adam's step there is m / sqrt(v): reassociation can move it by up to the lr).
    Whole iterations agree more loosely: Adam amplifies the differences."""
    run = quick_params.run(family)
    fast, plain = _pair(run, device)
    if run.trainer == "cfg":
        a, b = _same_draws(lambda: floats(fast.d_update(0)), lambda: floats(plain.d_update(0)))
    else:
        a, b = _same_draws(lambda: floats(fast.critic_step()), lambda: floats(plain.critic_step()))
    assert a.keys() == b.keys()
    # 1e-3: the penalty's gradient divides by the input-gradient norm, which starts near 0
    # (gp ~ 1), and so amplifies channels-last's reassociation (measured: 6e-4 for acwgan)
    assert_close(a, b, rtol=1e-3, atol=1e-5)
    mine, theirs = fast.D.state_dict(), plain.D.state_dict()
    for key, value in theirs.items():
        off = ~torch.isclose(mine[key], value, rtol=1e-4, atol=1e-6)
        assert off.sum() <= max(1, value.numel() // 1000), f"D.{key}: {off.sum()} off"
        assert_close(mine[key], value, rtol=0, atol=2 * run.optim.lr)
    a, b = _same_draws(lambda: floats(fast.step()), lambda: floats(plain.step()))
    assert_close(a, b, rtol=1e-2, atol=1e-3)


def test_the_joint_critic_pass_is_taken_exactly_where_samples_are_independent(quick_params):
    joint = {k: make_trainer(quick_params.run(k)).joint for k in FAMILIES}
    assert joint == {
        "ding/gan": False,  # dropout in the maxout critic
        "frank/dcgan": False,  # BatchNorm
        "frank/wgan_gp": True,
        "acwgan/cifar10": True,  # the critic has no BN (the generator's is conditional)
        "zhu/cfg_dcgan_mnist": True,
    }
    assert not per_sample(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2)))


SYNCS = ("item", "tolist", "__float__", "__bool__", "__int__", "cpu", "numpy")


def test_an_adversarial_step_makes_no_host_sync(quick_params, monkeypatch):
    """No Python-level transfer to the host inside step() (on CUDA, torch's sync debug mode
    also checks the kernels)."""
    for run_id, run in quick_params.runs.items():
        if run.trainer == "cfg":
            continue
        tr = make_trainer(run)
        tr.step()
        calls: list[str] = []

        def counting(name, original, calls=calls):
            def method(self, *a, **k):
                calls.append(name)
                return original(self, *a, **k)

            return method

        with monkeypatch.context() as m:
            for name in SYNCS:
                m.setattr(torch.Tensor, name, counting(name, getattr(torch.Tensor, name)))
            logs = tr.step()
        assert calls == [], run_id
        assert all(isinstance(v, torch.Tensor | float) for v in logs.values())
    if torch.cuda.is_available():
        run = quick_params.run("frank/wgan_gp")
        x = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8, device="cuda")
        from ganrepro.registry import TRAINERS

        tr = TRAINERS[run.trainer](run, x, torch.arange(64, device="cuda") % 10, 10, 0)
        tr.step()
        torch.cuda.set_sync_debug_mode("error")
        try:
            tr.step()
        finally:
            torch.cuda.set_sync_debug_mode(0)


def test_bf16_autocast_runs_on_the_cpu_and_tracks_fp32(quick_params):
    run = quick_params.run("frank/wgan_gp")
    _, low = _steps(run, Runtime(autocast="bf16"), n=3)
    _, full = _steps(run, Runtime(), n=3)
    for a, b in zip(low, full, strict=True):
        assert all(torch.isfinite(torch.tensor(list(a.values()))))
        # the first steps start from the same weights: bf16 rounding only (3 significant digits)
        assert abs(a["loss_d"] - b["loss_d"]) <= 0.05 * abs(b["loss_d"]) + 0.05


@pytest.mark.slow
def test_compiled_step_equals_the_eager_step_on_the_cpu(quick_params):
    run = quick_params.run("frank/wgan_gp")
    _, compiled = _steps(run, Runtime(compile=True), n=2)
    _, eager = _steps(run, Runtime(), n=2)
    assert_close(compiled[0], eager[0], rtol=1e-3, atol=1e-5)
    assert_close(compiled[1], eager[1], rtol=1e-2, atol=1e-3)  # Adam amplifies, as above


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["autocast=fp16"], "runtime autocast='fp16': one of none, bf16"),
        (["fast=true"], "key one of fused_optim"),
        (["compile=maybe"], "runtime compile='maybe': true or false"),
        (["log_every=0"], "runtime log_every=0: at least 1"),
        (["log_every=x"], "runtime log_every='x': an integer"),
    ],
)
def test_a_bad_runtime_knob_is_one_clear_error(items, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Runtime.parse(items)


def test_runtime_parse_reads_both_forms():
    assert Runtime.parse("autocast=bf16, compile=true") == Runtime(autocast="bf16", compile=True)
    assert Runtime.parse(["log_every=5", "joint_critic=off"]) == Runtime(
        log_every=5, joint_critic=False
    )
    assert Runtime.parse(None) == Runtime()


def test_a_sigterm_during_the_log_fetch_still_saves_the_step(
    quick_params, prepared, tmp_path, monkeypatch
):
    """The stop flag set while the buffered logs are fetched (on a GPU the host waits there)
    saves resume.pt at that step before exiting, like a stop seen anywhere else."""
    import os
    import signal

    from ganrepro.train import checkpoint
    from ganrepro.train import run as run_mod

    from .helpers import short

    fetch, calls = run_mod.floats, []

    def fetch_then_stop(logs):
        calls.append(len(logs))
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # handled when the fetch returns
        return fetch(logs)

    monkeypatch.setattr(run_mod, "floats", fetch_then_stop)
    run = short(quick_params.run("ding/wgan"), 12, checkpoints=1)  # periodic at 12 only
    with pytest.raises(SystemExit) as exc:
        run_mod.train(
            run,
            prepared[run.data],
            tmp_path,
            seed=0,
            device="cpu",
            threads=1,
            runtime=Runtime(log_every=4),
        )
    assert exc.value.code == run_mod.SIGTERM_EXIT
    _, state = checkpoint.newest_state(tmp_path / "state")
    assert state["step"] == 4  # the flushed block's end, not step 0
    assert len((tmp_path / "state/log.csv").read_text().splitlines()) == 1 + 4


def test_a_resumed_optimiser_keeps_this_process_implementation(quick_params):
    """A state saved by an unfused optimiser, loaded under the fused default, steps fused
    (torch's load_state_dict would carry the saved flags over)."""
    run = quick_params.run("frank/wgan_gp")
    plain = make_trainer(run, runtime=PLAIN)
    plain.step()
    fused = make_trainer(run, runtime=Runtime())
    fused.load_state_dict(plain.state_dict())
    assert all(g["fused"] for g in fused.opt_d.param_groups + fused.opt_g.param_groups)
    rms = quick_params.run("ding/wgan")  # RMSprop: foreach
    a, b = make_trainer(rms, runtime=PLAIN), make_trainer(rms, runtime=Runtime())
    a.step()
    b.load_state_dict(a.state_dict())
    assert all(g["foreach"] for g in b.opt_d.param_groups)


def test_cfg_gan_states_the_knobs_it_runs_with(quick_params, capsys):
    """CFG-GAN differentiates D by its input at every functional-gradient step and fetches its
    logs once a stage: it drops autocast and compile (saying so) and logs every stage; the
    knobs it keeps are the caller's. train.json records the trainer's runtime."""
    run = quick_params.run("zhu/cfg_dcgan_mnist")
    asked = Runtime(autocast="bf16", compile=True, log_every=25, channels_last=False)
    tr = make_trainer(run, runtime=asked)
    assert tr.runtime == Runtime(channels_last=False, log_every=1)
    assert "autocast=bf16 and compile=true do not apply" in capsys.readouterr().err
    make_trainer(run, runtime=Runtime())
    assert capsys.readouterr().err == ""  # nothing to say when nothing is dropped

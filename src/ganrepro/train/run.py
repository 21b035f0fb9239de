"""The training driver shared by every trainer: seeding, resume, periodic checkpoints and
grids, SIGTERM, divergence, and the run's ``train.json`` summary.

A trainer provides ``step() -> dict``, ``total``, ``step_count``, ``state_dict()``,
``load_state_dict()``, ``sample(z, y)``, ``LOG_COLUMNS`` and ``images_per_step``; it may
provide ``diverged(logs, step) -> reason | None``. ``step()`` may return its logged values as
device tensors: the driver fetches them every ``Runtime.log_every`` steps in one transfer (and
before every checkpoint), so the device never waits for the host inside the loop.

Files in the run folder: ``checkpoint.pt`` (final; for a diverged run the last good state),
``ckpt/step_*.pt`` (periodic, kept for metric curves), ``grids/step_*.png``, ``samples.png``,
``log.csv``, ``tb/``, ``config.yaml`` (the resolved settings and their origins) and
``train.json``. Training writes its resumable state in ``state/`` (periodic checkpoints,
``resume.pt`` while running, the live log, grids and TensorBoard events as they come) and
publishes ``ckpt/``, ``grids/`` and ``tb/`` from it at the end, as hard links. A workflow
manager may delete or restore the published folders around a job (Snakemake deletes a job's
outputs before it runs and after it fails); ``state/`` is training's own and survives both.
``state/attempts.json`` is the run's compute history, one entry per process that trained it
(``attempts``): it is kept beside the resumable state, never in it, so no time enters a
checkpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import shutil
import signal
import statistics
import sys
import time
from pathlib import Path

import torch
import yaml

from ganrepro.config.origin import resolved_config
from ganrepro.config.types import RunConfig
from ganrepro.data import DATASETS
from ganrepro.data.store import load as load_dataset
from ganrepro.io import atomic_write, remove_stale_temps, write_json
from ganrepro.registry import TRAINERS
from ganrepro.train import checkpoint
from ganrepro.train.attempts import History
from ganrepro.train.grids import fixed_inputs, save_grid
from ganrepro.train.logger import RunLogger
from ganrepro.train.runtime import Runtime, floats

SIGTERM_EXIT = 143  # 128 + SIGTERM: the job was stopped and can be resumed


class Interrupted(SystemExit):
    def __init__(self):
        super().__init__(SIGTERM_EXIT)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but no CUDA device is available")
    return torch.device(name)


def periodic_steps(total: int, n: int) -> set[int]:
    """``n`` evenly spaced steps ending at ``total``."""
    return {max(1, math.floor(k * total / n + 0.5)) for k in range(1, n + 1)} | {total}


def build_trainer(
    run: RunConfig,
    data_path: str | Path,
    seed: int,
    device: torch.device,
    runtime: Runtime | None = None,
):
    """The run's trainer, and the fingerprint of the images and labels it trains on."""
    data = load_dataset(data_path, run.splits, rehearsal=bool(run.rehearsal))
    if data.name != run.data:
        raise ValueError(f"{data_path} holds {data.name!r}, but {run.id} trains on {run.data!r}")
    digest = hashlib.sha256(data.x.tobytes())
    if data.y is not None:
        digest.update(data.y.tobytes())
    torch.manual_seed(seed)
    x = torch.from_numpy(data.x).to(device)
    y = torch.from_numpy(data.y).to(device) if data.y is not None else None
    trainer = TRAINERS[run.trainer](run, x, y, data.n_classes, seed, runtime)
    return trainer, digest.hexdigest()[:16]


def train(
    run: RunConfig,
    data_path: str | Path,
    out: str | Path,
    seed: int,
    device: str = "auto",
    threads: int | None = None,
    save_every_s: float = 600.0,
    restart_if_changed: bool = False,
    trainer_hook=None,
    settings: dict | None = None,
    runtime: Runtime | None = None,
) -> dict:
    """Train ``run`` into ``out``, resuming from the newest state there. Returns train.json.

    State saved under another configuration or seed is never resumed: it is an error, or, with
    ``restart_if_changed`` (what the workflow uses after a parameter change), discarded.
    ``trainer_hook(trainer)``, for tests, may wrap the trainer before the loop starts.
    ``settings`` (``config.origin.resolved_config``, with each value's origin) is kept as
    ``config.yaml``; without it, the resolved config alone. ``runtime``: how the steps run
    (:class:`ganrepro.train.runtime.Runtime`; recorded in train.json as ``runtime``).

    train.json: ``status``, ``reason``, ``diverged_at_step``, ``seed``, ``config_hash``,
    ``steps_done``, ``total_steps``, ``device``, ``images_per_s_median``, and two times:
    ``wall_time_s`` is this process's alone, from the start of its training loop to its final
    checkpoint and samples (for a resumed run, the last attempt's training only; about 0 for a
    rerun with nothing left to train); ``compute.wall_time_s`` is the run's whole cost, the sum
    over ``attempts`` (every process that trained it, each timed from its start, data loading
    included, to its end), with ``compute.attempts`` (their number), ``compute.device_hours``
    (the sum / 3600) and ``compute.devices`` (the device names used, sorted). See
    ``ganrepro.train.attempts`` for an attempt's fields and how a killed one is counted.
    """
    t_process = time.perf_counter()
    out = Path(out)
    state = out / STATE
    (state / "grids").mkdir(parents=True, exist_ok=True)  # exists even if no grid is reached
    # what a SIGKILL left half-written: state/ is training's alone, the run folder also holds
    # what evaluation writes
    remove_stale_temps(out, list(RUN_FILES))
    remove_stale_temps(state)
    remove_stale_temps(state / "ckpt")
    remove_stale_temps(state / "grids")
    if threads:
        torch.set_num_threads(threads)
    dev = pick_device(device)
    runtime = runtime or Runtime()
    trainer, data_hash = build_trainer(run, data_path, seed, dev, runtime)
    if trainer_hook is not None:
        trainer_hook(trainer)

    # the rehearsal stops early; the schedule (its lr decay) stays the full one, trainer.total
    total = min(trainer.total, run.rehearsal) if run.rehearsal else trainer.total

    def payload() -> dict:
        return {
            "run_id": run.id,
            "config": run.to_dict(),
            "config_hash": run.hash(),
            "seed": seed,
            "data_hash": data_hash,
            "step": trainer.step_count,
            "total": total,
            "trainer": trainer.state_dict(),
            "rng": checkpoint.rng_state(),
        }

    def report(msg: str) -> None:
        print(f"{run.id}: {msg}", file=sys.stderr)

    try:
        found = checkpoint.newest_state(
            state, expected_hash=run.hash(), report=report, rehearsal=bool(run.rehearsal)
        )
        if found is not None:
            resume_from, saved = found
            if saved["seed"] != seed:
                raise checkpoint.CheckpointMismatch(
                    f"{resume_from} was trained with seed {saved['seed']}, not {seed}"
                )
            if saved.get("data_hash") != data_hash:
                raise checkpoint.CheckpointMismatch(
                    f"{resume_from} was trained on other data than {data_path} now holds"
                )
    except checkpoint.CheckpointMismatch as exc:
        if not restart_if_changed:
            raise
        report(f"{exc}; starting over")
        clear(out)
        (state / "grids").mkdir(parents=True, exist_ok=True)
        found = None
    if found is not None:
        trainer.load_state_dict(found[1]["trainer"])
        checkpoint.set_rng_state(found[1]["rng"])
    else:
        checkpoint.save(checkpoint.periodic_path(state, 0), payload())
    start = trainer.step_count
    # the compute history: a new one when starting over; none of it enters the state
    key = {"config_hash": run.hash(), "seed": seed, "data_hash": data_hash}
    history = History(state, key, start if found is not None else None, report)
    if start < total:  # a rerun with nothing to train is no attempt
        history.start(t_process, dev, start)
    saved_step = start  # the step of the newest state this process saved or resumed from

    spec = DATASETS[run.data]
    conditional = run.model.conditional or run.objective.ac is not None
    z_grid, y_grid = fixed_inputs(run.model.z_dim, conditional, spec.n_classes, seed + 7919, dev)
    nrow = 10 if conditional else 8
    marks = periodic_steps(total, run.eval.checkpoints)
    logger = RunLogger(state, trainer.LOG_COLUMNS, start, total, run.id)

    stop = {"flag": False}
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    status, reason, rates, failed_at = "completed", None, [], None
    t_start = last_save = time.perf_counter()
    log_every = trainer.runtime.log_every  # the trainer's own (CFG-GAN: 1, once a stage)
    pending: list[tuple[dict, int, float]] = []  # (logs, maybe on the device; step; epoch)
    block = {"t": t_start}  # when the pending steps began

    def flush() -> tuple[int, str] | None:
        """Fetch the pending steps' logs in one transfer and log them, each with the block's
        throughput; stop at the first non-finite or diverged step: (its step, why)."""
        flat = floats(
            {(i, k): v for i, (logs, _, _) in enumerate(pending) for k, v in logs.items()}
        )
        now = time.perf_counter()
        rate = trainer.images_per_step * len(pending) / max(now - block["t"], 1e-9)
        rates.append(rate)
        block["t"] = now
        diverged = getattr(trainer, "diverged", lambda *_: None)
        try:
            for i, (logs, step, epoch) in enumerate(pending):
                row = {k: flat[i, k] for k in logs}
                why = _nonfinite(row) or diverged(row, step)
                if why:
                    return step, why
                logger.log(step, {"epoch": epoch, "img_per_s": rate, **row})
        finally:
            pending.clear()
        return None

    try:
        try:
            while trainer.step_count < total:
                pending.append((trainer.step(), trainer.step_count, trainer.batches.epoch))
                step = trainer.step_count
                due = time.perf_counter() - last_save > save_every_s
                saving = step in marks or stop["flag"] or due
                if not (saving or len(pending) >= log_every or step == total):
                    continue
                found = flush()
                if found:
                    failed_at, reason = found
                    status = "diverged"
                    break
                if step in marks:  # the grid first: a kill between the two redoes the step
                    save_grid(
                        trainer.sample(z_grid, y_grid),
                        trainer.range,
                        state / "grids" / f"step_{step:08d}.png",
                        nrow,
                    )
                    checkpoint.save(checkpoint.periodic_path(state, step), payload())
                    saved_step = step
                    history.saved(step)
                    last_save = block["t"] = time.perf_counter()
                elif saving or stop["flag"]:  # the stop may have come during the flush
                    checkpoint.save(state / "resume.pt", payload())
                    saved_step = step
                    history.saved(step)
                    last_save = block["t"] = time.perf_counter()
                if stop["flag"]:
                    raise Interrupted()
        finally:
            signal.signal(signal.SIGTERM, previous)
            logger.close()

        config = settings or resolved_config(run, None, None)
        atomic_write(out / "config.yaml", lambda fh: fh.write(yaml.safe_dump(config).encode()))
        if status == "diverged":  # the newest good state becomes the run's checkpoint
            good, saved = checkpoint.newest_state(state, report=report)
            atomic_write(out / "checkpoint.pt", lambda fh: fh.write(good.read_bytes()))
            trainer.load_state_dict(saved["trainer"])
        else:
            checkpoint.save(out / "checkpoint.pt", payload())
        save_grid(trainer.sample(z_grid, y_grid), trainer.range, out / "samples.png", nrow)
        (state / "resume.pt").unlink(missing_ok=True)
        wall_time = round(time.perf_counter() - t_start, 3)
        live_log = (state / "log.csv").read_bytes()
        atomic_write(out / "log.csv", lambda fh: fh.write(live_log))  # the run's final log
        publish(state, out)
        history.end(status, failed_at if status == "diverged" else trainer.step_count)
    except Interrupted:
        history.end("interrupted", saved_step)
        raise
    except BaseException:
        with contextlib.suppress(Exception):  # e.g. a full disk: the first error is the one
            history.end("failed", saved_step)
        raise
    summary = {
        "run_id": run.id,
        "status": status,
        "reason": reason,
        "diverged_at_step": failed_at,
        "seed": seed,
        "config_hash": run.hash(),
        "steps_done": trainer.step_count,
        "total_steps": total,
        **(
            {"rehearsal": {"REHEARSAL": True, "steps": total, "schedule_steps": trainer.total}}
            if run.rehearsal
            else {}
        ),
        "device": dev.type,
        "runtime": trainer.runtime.to_dict(),  # what was in force (a trainer may drop knobs)
        "wall_time_s": wall_time,
        "images_per_s_median": round(statistics.median(rates), 1) if rates else None,
        # one generator iteration (CFG-GAN: stage), checkpoints and grids not included
        "s_per_step_median": (
            round(trainer.images_per_step / statistics.median(rates), 4) if rates else None
        ),
        **history.summary(),
    }
    write_json(out / "train.json", summary)
    return summary


STATE = "state"  # training's resumable state in the run folder
PUBLISHED = ("ckpt", "grids", "tb")  # the state's folders the run publishes at the end


def publish(state: Path, out: Path) -> None:
    """Replace ``out``'s ckpt/, grids/ and tb/ by hard-linked copies of the state's (files are
    written whole, by rename, so a link never sees a later write)."""

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:  # a file system without hard links
            shutil.copy2(src, dst)

    for name in PUBLISHED:  # the new folder is complete before the old one goes
        new, old = out / f".{name}.publishing", out / f".{name}.old"
        shutil.rmtree(new, ignore_errors=True)
        if (state / name).is_dir():
            shutil.copytree(state / name, new, copy_function=link)
        else:
            new.mkdir()
        shutil.rmtree(old, ignore_errors=True)
        if (out / name).exists():
            os.replace(out / name, old)
        os.replace(new, out / name)
        shutil.rmtree(old, ignore_errors=True)


def _nonfinite(logs: dict[str, float]) -> str | None:
    bad = [k for k, v in logs.items() if isinstance(v, float) and not math.isfinite(v)]
    return f"non-finite {', '.join(bad)}" if bad else None


# the files training writes in the run folder itself
RUN_FILES = ("checkpoint.pt", "log.csv", "config.yaml", "train.json", "samples.png")


def clear(out: Path) -> None:
    """Remove a run folder's training state and outputs (for ``--restart``)."""
    for name in (
        STATE,
        *PUBLISHED,
        *(f".{p}.{s}" for p in PUBLISHED for s in ("publishing", "old")),
    ):
        shutil.rmtree(out / name, ignore_errors=True)
    (out / "resume.pt").unlink(missing_ok=True)  # where state was kept before state/
    for name in RUN_FILES:
        (out / name).unlink(missing_ok=True)

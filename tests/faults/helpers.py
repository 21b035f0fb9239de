"""Shared pieces of the fault-injection suite: the run it trains, the commands it runs, how it
compares a run with an uninterrupted one, and the tally printed at the end."""

from __future__ import annotations

from pathlib import Path

TALLY = {"injected": 0, "survived": 0, "bytes_lost": 0}
RUN = "frank/wgan_gp"  # DCGAN + BatchNorm + gradient penalty: the richest checkpoint state
ITERATIONS = 12


def record(survived: bool, bytes_lost: int = 0) -> None:
    """Count one injected fault: whether everything held, and how many bytes of the good
    results were lost (missing, or differing from an uninterrupted run's)."""
    TALLY["injected"] += 1
    TALLY["survived"] += bool(survived)
    TALLY["bytes_lost"] += bytes_lost


def bytes_lost(folder: Path, reference: dict[str, bytes]) -> int:
    """Bytes of ``reference`` ({relative path: bytes}) that ``folder`` does not hold identically."""
    lost = 0
    for name, ref in reference.items():
        path = folder / name
        got = path.read_bytes() if path.exists() else b""
        if got == ref:
            continue
        lost += sum(a != b for a, b in zip(got, ref, strict=False)) + abs(len(ref) - len(got))
    return lost


def train_argv(params: Path, data: Path, out: Path, save_every: float = 600) -> list[str]:
    return [
        "train", RUN, "--params", str(params), "--data", str(data), "--out", str(out),
        "--device", "cpu", "--threads", "1", "--save-every", str(save_every),
    ]  # fmt: skip


def evaluate_argv(
    params: Path, run_dir: Path, refs: dict[str, Path], out: Path, run_id: str = RUN
) -> list[str]:
    return [
        "evaluate", run_id, "--params", str(params), "--out", str(out),
        "--checkpoint", str(run_dir / "checkpoint.pt"), "--summary", str(run_dir / "train.json"),
        "--log", str(run_dir / "log.csv"), "--ckpt-dir", str(run_dir / "ckpt"),
        "--stats", str(refs["stats"]), "--classifier", str(refs["classifier"]),
        "--device", "cpu", "--threads", "1",
    ]  # fmt: skip


def run_outputs(folder: Path) -> dict[str, bytes]:
    """What an interruption may not change: the final and periodic checkpoints and the grids
    (``log.csv``, ``train.json`` and ``tb/`` hold wall-clock times)."""
    files = [folder / "checkpoint.pt", folder / "samples.png"]
    files += sorted((folder / "ckpt").glob("step_*.pt")) + sorted((folder / "grids").glob("*.png"))
    return {str(f.relative_to(folder)): f.read_bytes() for f in files}


def logged_steps(folder: Path, live: bool = False) -> list[int]:
    """The steps in a run's ``log.csv`` (``live``: the log of a run still going)."""
    log = folder / "state/log.csv" if live else folder / "log.csv"
    return [int(line.split(",")[0]) for line in log.read_text().split()[1:]] if log.exists() else []


def leftovers(folder: Path) -> list[Path]:
    return sorted(folder.rglob(".*.tmp"))


def train_with_a_nan_batch(params: Path, data: Path, out: Path, k: int) -> int:
    """``ganrepro train RUN``'s work with one NaN pixel in the real batch that the critic gets
    first at step ``k`` (for a child process: the fault is planted inside it)."""
    from ganrepro.config import load_params
    from ganrepro.train.run import train

    from ..train.helpers import at_step

    def poison_next_batch(trainer) -> None:
        draw = trainer.batches.next

        def with_nan(size):
            x, y = draw(size)
            x[0, 0, 0, 0] = float("nan")
            trainer.batches.next = draw
            return x, y

        trainer.batches.next = with_nan

    p = load_params(params)
    hook = at_step(k - 1, poison_next_batch, before=True)  # k - 1 steps done: step k's batch
    train(p.run(RUN), data, out, seed=p.seed, device="cpu", threads=1, trainer_hook=hook)
    return 0

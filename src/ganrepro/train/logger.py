"""Training logs: ``log.csv`` (one row per step), TensorBoard events and a progress bar that
stays quiet when stderr is not a terminal."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

from tqdm import tqdm

from ganrepro.io import write_text


class RunLogger:
    def __init__(self, out: Path, columns: tuple[str, ...], start: int, total: int, desc: str):
        # The live log sits with the resumable state (``out`` is the run's state/): a scheduler
        # that deletes a failed job's declared outputs must not take the rows a resumed run keeps.
        self.path = out / "log.csv"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.columns = ("step", "epoch", "img_per_s", *columns)
        self._truncate(start)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self.fh = open(self.path, "a", newline="")  # noqa: SIM115 - closed in close()
        self.writer = csv.DictWriter(self.fh, self.columns, extrasaction="ignore")
        if new:
            self.writer.writeheader()
        from tensorboard.compat.proto.summary_pb2 import Summary
        from torch.utils.tensorboard import SummaryWriter

        self._summary = Summary
        self.tb = SummaryWriter(str(out / "tb"), purge_step=start + 1)
        self.bar = tqdm(
            total=total,
            initial=start,
            desc=desc,
            unit="step",
            dynamic_ncols=True,
            disable=not sys.stderr.isatty(),
        )

    def _truncate(self, start: int) -> None:
        """On resume, drop rows past the checkpoint: they will be produced again."""
        if not self.path.exists():
            return
        with open(self.path, newline="") as fh:
            rows = list(csv.reader(fh))
        if not rows:
            return
        keep = [rows[0]] + [r for r in rows[1:] if r and int(r[0]) <= start]
        write_text(self.path, "".join(",".join(r) + "\n" for r in keep))

    def log(self, step: int, values: dict[str, float]) -> None:
        self.writer.writerow({"step": step, **{k: _fmt(v) for k, v in values.items()}})
        self.fh.flush()
        # One event per step holding every scalar: TensorBoard reads each value under its own
        # tag, as from add_scalar, whose one event per value cost ~10% of a quick MLP's step.
        # (_get_file_writer: SummaryWriter's own writer, which honours purge_step.)
        scalars = [
            self._summary.Value(tag=key, simple_value=value)
            for key, value in values.items()
            if isinstance(value, float | int) and math.isfinite(value)
        ]
        if scalars:
            self.tb._get_file_writer().add_summary(self._summary(value=scalars), step)
        self.bar.update(1)
        self.bar.set_postfix(
            {k: f"{values[k]:.3g}" for k in ("loss_d", "loss_g") if k in values}, refresh=False
        )

    def close(self) -> None:
        self.bar.close()
        self.tb.close()
        self.fh.close()


def _fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else v

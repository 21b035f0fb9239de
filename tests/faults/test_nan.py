"""NaN in a batch of a real training process: the run ends ``diverged`` with its last good
checkpoint and exits 0, and evaluation (the DAG's next step) scores that checkpoint."""

from __future__ import annotations

import json

from ganrepro.train import checkpoint

from . import procs
from .helpers import evaluate_argv, record, train_with_a_nan_batch

K = 6  # periodic checkpoints at 4, 8, 12: the last good one is step 4


def test_a_nan_batch_marks_the_run_diverged_and_evaluation_goes_on(
    reference, tiny, prepared, tmp_path
):
    out = tmp_path / "run"
    child = procs.Child(
        [],
        tmp_path / "train.log",
        func=train_with_a_nan_batch,
        args=(tiny, prepared["photos"], out, K),
    )
    code = child.finish()
    summary = json.loads((out / "train.json").read_text()) if code == 0 else {}
    metrics_path = tmp_path / "metrics.json"
    code2, output = procs.run(
        evaluate_argv(tiny, out, reference["refs"], metrics_path), tmp_path / "evaluate.log"
    )
    metrics = json.loads(metrics_path.read_text()) if code2 == 0 else {}
    ok = (
        summary.get("status") == "diverged"
        and summary.get("diverged_at_step") == K
        and (out / "checkpoint.pt").read_bytes() == checkpoint.periodic_path(out, 4).read_bytes()
        and metrics.get("status") == "diverged"
        and metrics.get("step") == 4
    )
    record(code == 0 and code2 == 0 and ok)
    assert code == 0, child.output
    assert code2 == 0, output
    assert ok, (summary, {k: metrics.get(k) for k in ("status", "reason", "step")})
    assert "non-finite" in summary["reason"]

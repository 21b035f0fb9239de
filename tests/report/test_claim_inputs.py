"""Every claim's inputs exist at the small scale: the runs it reads are in params.yaml with 5
seeds each, evaluated at several checkpoints (its curves), so a verdict there comes from the
seeds' spread, never from missing data. The runs a claim reads are recorded, not listed by hand:
the claim runs against a Results whose metrics mapping notes every run it looks up."""

from __future__ import annotations

import pytest

from ganrepro.config import load_params
from ganrepro.report.claims import CLAIMS
from ganrepro.report.results import Results


def seed_metrics(k: int) -> dict:
    """One plausible metrics.json (values vary with the seed so spreads are not zero)."""
    scores = {"fid": 100.0 + k, "is_mean": 2.0 + 0.1 * k, "class_accuracy": [0.5] * 10}
    curve = [
        {"step": s, "epoch": s / 10, "classifier": {"fid": 300.0 - s + k, "is_mean": 1.0 + s / 100}}
        for s in (0, 50, 100, 150, 200, 250)
    ]
    return {
        "status": "completed",
        "final": {"classifier": scores, "white_fraction": 0.01},
        "curve": curve,
        "total_steps": 250,
        "reference": {"classifier": {"train_is": [5.0, 0.1]}, "white_fraction": 0.01},
        "protocol": {"n_samples": 500},
    }


class Recording(dict):
    """A metrics mapping that records every run id looked up and answers each with three
    plausible seeds, so that a claim goes on to read all the runs it needs."""

    def __init__(self, run_ids):
        super().__init__()
        self.run_ids, self.read = list(run_ids), set()

    def items(self):  # a claim that looks for its runs by name: listing is not reading
        return [(k, [seed_metrics(s) for s in range(3)]) for k in self.run_ids]

    def get(self, key, default=None):
        return self[key]

    def __getitem__(self, key):
        self.read.add(key)
        return [seed_metrics(k) for k in range(3)]

    def __contains__(self, key):
        self.read.add(key)
        return True


def runs_read(claim, run_ids) -> set[str]:
    metrics = Recording(run_ids)
    try:
        claim.test(Results(metrics, scale="small", standins=True))
    except Exception:  # noqa: BLE001 - only the lookups matter here
        pass
    return metrics.read


@pytest.fixture(scope="module")
def small(root):
    return load_params(root / "params.yaml", scale="small")


@pytest.mark.parametrize("claim", CLAIMS, ids=[f"{c.source}:{c.name}" for c in CLAIMS])
def test_each_claim_reads_runs_that_the_small_scale_trains_with_five_seeds(claim, small):
    read = runs_read(claim, small.runs)
    assert read, f"{claim.name} reads no run"
    assert read <= set(small.runs), read - set(small.runs)
    assert small.seeds == 5
    for run_id in read:
        assert run_id.split("/")[0] == claim.source, (claim.name, run_id)
        assert small.run(run_id).eval.checkpoints >= 5, run_id

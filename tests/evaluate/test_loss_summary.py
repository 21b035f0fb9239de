"""The loss summary evaluate puts in metrics.json (the stability claims read it, not log.csv)."""

from __future__ import annotations

import math

import pytest

from ganrepro.outputs.runs import loss_summary


def test_loss_summary_against_hand_values(tmp_path):
    rows = ["step,epoch,img_per_s,loss_d,loss_g"]
    rows += [f"{i + 1},0.1,1,,{g}" for i, g in enumerate([4, 3, 2, 1, 1, 2, 1, 2])]
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n")
    s = loss_summary(tmp_path / "log.csv")
    assert "loss_d" not in s  # blank cells only: no summary
    g = s["loss_g"]
    # second half [1, 2, 1, 2]: differences [1, -1, 1], SD sqrt(4/3), / sqrt 2 = sqrt(2/3)
    assert g["noise"] == pytest.approx(math.sqrt(2 / 3))
    assert g["sd_second_half"] == pytest.approx(math.sqrt(1 / 3))
    # sorted [1, 1, 1, 2, 2, 2, 3, 4]: 5% at position 0.35 -> 1; 95% at 6.65 -> 3.65
    assert (g["q05"], g["q95"]) == pytest.approx((1.0, 3.65))
    assert g["final"] == 2.0 and g["n"] == 8


def test_loss_summary_of_a_run_without_a_log_or_rows(tmp_path):
    assert loss_summary(tmp_path / "log.csv") == {}
    (tmp_path / "log.csv").write_text("step,epoch,img_per_s,loss_d,loss_g\n")
    assert loss_summary(tmp_path / "log.csv") == {}

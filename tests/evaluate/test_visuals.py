"""Interpolation paths and the cherry-picking rule."""

from __future__ import annotations

import torch
from torch.testing import assert_close

from ganrepro.evaluate.visuals import interpolate


def test_linear_interpolation_runs_from_a_to_b_evenly():
    a, b = torch.randn(3, 5), torch.randn(3, 5)
    z = interpolate(a, b, 5, "linear")
    assert z.shape == (3, 5, 5)
    assert_close(z[:, 0], a)
    assert_close(z[:, -1], b)
    assert_close(z[:, 2], (a + b) / 2)


def test_slerp_keeps_the_norm_between_equal_norm_endpoints():
    a, b = torch.randn(4, 16), torch.randn(4, 16)
    b = b / b.norm(dim=1, keepdim=True) * a.norm(dim=1, keepdim=True)
    z = interpolate(a, b, 7, "slerp")
    assert_close(z[:, 0], a, atol=1e-5, rtol=1e-5)
    assert_close(z[:, -1], b, atol=1e-5, rtol=1e-5)
    assert_close(z.norm(dim=-1), a.norm(dim=1, keepdim=True).expand(4, 7), rtol=1e-4, atol=1e-4)

"""The numpy image tiler of the training grids and the figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.utils import make_grid

from ganrepro.images import tile


@pytest.mark.parametrize(("n", "nrow", "channels"), [(100, 10, 3), (25, 5, 1), (7, 3, 3)])
def test_tile_lays_images_out_as_torchvisions_make_grid(n, nrow, channels):
    x = torch.randint(0, 256, (n, channels, 9, 11), dtype=torch.uint8)
    expected = make_grid(x, nrow=nrow, padding=2, pad_value=255).permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(tile(x.numpy(), nrow), expected)

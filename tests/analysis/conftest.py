"""Small synthetic image data for the analysis tests (no data set needed)."""

from __future__ import annotations

import pytest
import torch

from dl_lab.analysis.loops import Splits


def toy_images(
    n: int, classes: int = 4, size: int = 8, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each class lights up its own horizontal band of an image, plus noise."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes
    x = 0.3 * torch.randn(n, 1, size, size, generator=generator)
    band = size // classes
    for c in range(classes):
        x[y == c, :, c * band : (c + 1) * band, :] += 1.0
    return x, y


@pytest.fixture(scope="session")
def toy_splits() -> Splits:
    x, y = toy_images(256, seed=0)
    x_val, y_val = toy_images(128, seed=1)
    return Splits(x, y, x_val, y_val)


@pytest.fixture(autouse=True)
def _one_thread():
    """The tests share a small machine: one torch thread is faster for these tiny models."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

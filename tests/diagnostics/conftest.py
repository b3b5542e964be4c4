"""The diagnostics tests share a small machine: one torch thread each, and the sweeps'
jobs inline (``DL_LAB_WORKERS=1``: no worker processes to start) except where a test asks
for the pool."""

from __future__ import annotations

import pytest
import torch

from dl_lab import parallel


@pytest.fixture(autouse=True)
def _inline(monkeypatch):
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")


@pytest.fixture(autouse=True)
def _one_thread():
    """The tests share a small machine: one torch thread is faster for these tiny models."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

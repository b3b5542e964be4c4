"""Run-time settings shared by the diagnostics experiments."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from threadpoolctl import threadpool_limits


@contextmanager
def limited_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op and BLAS/OpenMP threads, then restore.

    The diagnostics models are tiny: on a shared 2-core machine the thread pools'
    hand-off cost can exceed the work itself (measured here under load: a 28x28 conv
    took 16 ms with two torch threads and 0.009 ms with one; a scikit-learn logistic
    regression 12 s vs 1 s). ``None`` leaves every setting alone.
    """
    if threads is None:
        yield
        return
    if threads < 1:
        raise ValueError(f"threads must be >= 1 or None, got {threads}")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(before)

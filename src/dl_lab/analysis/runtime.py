"""Run-time settings shared by the analysis experiments."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` intra-op threads, then restore the previous count.

    The diagnostics models are tiny: on a shared 2-core machine one thread avoids the
    thread pool's hand-off cost, which can exceed the work itself (``None`` leaves torch's
    setting alone).
    """
    if threads is None:
        yield
        return
    if threads < 1:
        raise ValueError(f"threads must be >= 1 or None, got {threads}")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)

"""Progress a person can follow: bars while something long runs, one line when it is done.

Bars (training epochs, Optuna trials, RL episodes) show only when the output is a
terminal, so logs, CI and benchmarks stay clean; ``DL_LAB_PROGRESS=off`` turns them off
and ``=on`` forces them. ``announce`` logs one summary line per finished variant::

    vision  baseline.lenet5.seed42  test_acc 0.982 (best epoch 31)  12.3 s
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

log = logging.getLogger("dl_lab")
T = TypeVar("T")


def interactive() -> bool:
    """Whether to draw progress bars: on a terminal, unless ``DL_LAB_PROGRESS`` says otherwise."""
    setting = os.environ.get("DL_LAB_PROGRESS", "auto").lower()
    if setting in ("on", "1", "true"):
        return True
    if setting in ("off", "0", "false"):
        return False
    return sys.stderr.isatty()


def bar(
    items: Iterable[T], total: int | None = None, desc: str = "", unit: str = "it"
) -> Iterator[T]:
    """``items``, with a progress bar when ``interactive()``."""
    return iter(
        tqdm(items, total=total, desc=desc, unit=unit, disable=not interactive(), leave=False)
    )


def summary_line(
    pipeline: str,
    name: str,
    metric: str,
    value: float,
    best_epoch: int | None = None,
    seconds: float | None = None,
) -> str:
    """``vision  baseline.lenet5.seed42  test_acc 0.982 (best epoch 31)  12.3 s``."""
    parts = [
        pipeline,
        name,
        f"{metric} {value:.3f}" + (f" (best epoch {best_epoch})" if best_epoch else ""),
    ]
    if seconds is not None:
        parts.append(f"{seconds:.1f} s")
    return "  ".join(parts)


def announce(*args, **kwargs) -> str:
    """Log ``summary_line(...)`` at INFO and return it."""
    line = summary_line(*args, **kwargs)
    log.info(line)
    return line

"""The seeds and sweep points of the diagnostics experiments as independent jobs.

Every experiment a verdict reads runs on several seeds; each (seed, sweep point) is one
job: a module-level function of picklable arguments that seeds itself, trains one small
model and returns plain rows and frames. ``run_points`` hands them to the shared worker
pool (``dl_lab.parallel``), so both cores train, and returns the results in job order.
Each job runs with one torch and one BLAS thread wherever it runs, so ``DL_LAB_WORKERS=1``
(inline, in this process) gives the same numbers as the pool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pandas as pd

from dl_lab import parallel
from dl_lab.data.bundle import ModelInput
from dl_lab.training.loops import Splits, prepare_splits
from dl_lab.training.runtime import limited_threads

T = TypeVar("T")
SEED = "seed"
"""The column that names the seed of a row in every seeded table."""


def _one_thread(point: Callable[..., T], args: dict[str, Any]) -> T:
    with limited_threads(1):
        return point(**args)


def run_points(point: Callable[..., T], jobs: Sequence[dict[str, Any]]) -> list[T]:
    """``[point(**job) for job in jobs]`` on the worker pool, one thread per job."""
    return run_calls([(point, job) for job in jobs])


def run_calls(calls: Sequence[tuple[Callable[..., Any], dict[str, Any]]]) -> list[Any]:
    """``[point(**args) for point, args in calls]`` (jobs of several kinds) on the pool."""
    return parallel.run_all(_one_thread, [{"point": p, "args": args} for p, args in calls])


def seeded_splits(
    data: ModelInput, train_size: int | None, seeds: Sequence[int], **options: Any
) -> dict[int, Splits]:
    """Per seed: that seed's stratified training subset and the evaluation split."""
    return {seed: prepare_splits(data, train_size, seed, **options) for seed in seeds}


def with_seed(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """``frame`` with a first column ``seed``."""
    out = frame.copy()
    out.insert(0, SEED, seed)
    return out


def mean_over_seeds(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One row per ``keys`` (in first-seen order): the mean of every numeric column over
    the seeds (what a summary figure shows)."""
    if SEED not in frame:
        return frame
    numeric = [c for c in frame.select_dtypes("number").columns if c not in (*keys, SEED)]
    return frame.groupby(list(keys), sort=False)[numeric].mean().reset_index()


def first_seed(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the first seed in ``frame`` (what a figure of one run shows)."""
    if SEED not in frame or frame.empty:
        return frame
    return frame[frame[SEED] == frame[SEED].iloc[0]]

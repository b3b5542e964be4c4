"""The seeds and sweep points of the diagnostics experiments as independent jobs.

Every experiment a verdict reads runs on several seeds; each (seed, sweep point) is one
job: a module-level function of picklable arguments that seeds itself, trains one small
model and returns plain rows and frames. ``dl_lab.parallel.run_points`` hands them to the
shared worker pool, so both cores train, and returns the results in job order; this module
holds what the experiments share around it (splits per seed, seeded tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from dl_lab.data.bundle import ModelInput
from dl_lab.training.loops import Splits, prepare_splits

SEED = "seed"
"""The column that names the seed of a row in every seeded table."""


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

"""Helpers shared by the fundamentals nodes."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np


def as_metrics(values: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """``{name: value}`` in the form ``MlflowMetricsHistoryDataset`` logs (step 0).

    Characters MLflow refuses in metric names (parentheses, ...) become underscores.
    """
    return {
        re.sub(r"[^\w\-./: ]", "_", name).replace(" ", "_"): {"value": float(value), "step": 0}
        for name, value in values.items()
    }


def rng_for(seed: int, experiment: str) -> np.random.Generator:
    """An independent, reproducible stream per experiment derived from the global seed."""
    tag = int.from_bytes(experiment.encode()[:8].ljust(8, b"\0"), "little")
    return np.random.default_rng([seed, tag])

"""What a claim check returns, the tables it reads, and small helpers to read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dl_lab.course.rules import Verdict, describe


@dataclass(frozen=True)
class Answer:
    """A claim's measurement in words, the rule's verdict, and the reports that show it."""

    claim_id: str
    measured: str
    verdict: Verdict
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tables:
    """The fundamentals tables the findings read (``fundamentals_<name>_table``)."""

    worked_examples: pd.DataFrame
    truth_tables: pd.DataFrame
    threshold_search: pd.DataFrame
    perceptron: pd.DataFrame
    gradient_check: pd.DataFrame
    two_layer_trace: pd.DataFrame
    linear_collapse: pd.DataFrame
    xor_runs: pd.DataFrame
    gd_linear_steps: pd.DataFrame
    gd_quadratic_steps: pd.DataFrame
    learning_rates: pd.DataFrame
    momentum: pd.DataFrame
    softmax: pd.DataFrame
    weight_penalties: pd.DataFrame
    activity_sparsity: pd.DataFrame
    depth_runs: pd.DataFrame
    depth: pd.DataFrame
    depth_exact: pd.DataFrame
    hebbian: pd.DataFrame


def table(name: str) -> str:
    """Where ``fundamentals_<name>_table`` lands, relative to data/08_reporting."""
    return f"fundamentals/{name}.csv"


def plot(name: str) -> str:
    """Where ``fundamentals_<name>_plot`` lands, relative to data/08_reporting."""
    return f"fundamentals/{name}.png"


def number(value: float) -> str:
    """A measured number for the ``measured`` column: four significant digits."""
    return f"{float(value):.4g}"


def numbers(values: Sequence[float]) -> str:
    """``0.659 / 0.2424 / 0.09857``."""
    return " / ".join(number(v) for v in values)


def at(frame: pd.DataFrame, column: str, value: float) -> pd.DataFrame:
    """The rows whose numeric ``column`` equals ``value`` (a float read back from CSV too)."""
    return frame[np.isclose(frame[column].astype(float), value, rtol=1e-12, atol=0.0)]


def describe_share(flags: Sequence[float]) -> str:
    """``17 of 20 seeds (0.85 [0.68, 1.02] over 20 seeds)``: a success count and its spread."""
    return f"{int(sum(flags))} of {len(flags)} seeds ({describe(flags)})"

"""What the rl findings read from the studies' tables: values by seed, episodes to a first
success or to learning, and the evidence files as conf/base/catalog_rl.yml writes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dl_lab.course.findings import finding
from dl_lab.course.questions import Course
from dl_lab.course.rules import Verdict, describe
from dl_lab.evaluation.stats import mean_interval
from dl_lab.rl.config import Budget, GridWorldStudy, TrapStudy

PIPELINE = "rl"


def table_file(name: str) -> str:
    """The file of ``rl_<name>_table``, relative to data/08_reporting."""
    return f"rl/{name}.csv"


def plot_file(name: str) -> str:
    """The file of ``rl_<name>_plot``, relative to data/08_reporting."""
    return f"rl/{name}.png"


EVALUATION = table_file("evaluation")  # rl_evaluation_table: every agent's final evaluation


@dataclass(frozen=True)
class Tables:
    """The tables and study blocks the findings read (the node's inputs)."""

    evaluation: pd.DataFrame
    gridworld: GridWorldStudy
    gridworld_check: dict[str, Any]
    gridworld_values: pd.DataFrame
    gridworld_evaluation: pd.DataFrame
    reinforce_returns: pd.DataFrame
    gradient_variance: pd.DataFrame
    task_returns: pd.DataFrame
    task_evaluation: pd.DataFrame
    trap: TrapStudy
    trap_sweep: pd.DataFrame
    trap_returns: pd.DataFrame
    trap_evaluation: pd.DataFrame
    budget: Budget


def answer(
    course: Course, claim_id: str, measured: str, verdict: Verdict, evidence: Sequence[str]
) -> dict[str, Any]:
    """One findings row of this pipeline (its tables carry no MLflow run ids)."""
    return finding(PIPELINE, claim_id, measured, verdict, evidence, course=course)


def _short(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, without an exponent below a million
    (``2.3e+02`` -> ``230``)."""
    return f"{float(f'{value:.{digits}g}'):g}"


def spread(values: Sequence[float] | np.ndarray, digits: int = 3, unit: str = "seeds") -> str:
    """``496 +- 5.8 [483, 509] over 3 seeds``: mean +- sample standard deviation (two
    significant digits), then the 95% t-interval of the mean that the rules decide on (one
    value: the value alone)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return describe(values, digits)
    low, high = (_short(bound, digits) for bound in mean_interval(values))
    mean, std = _short(values.mean(), digits), _short(values.std(ddof=1), 2)
    return f"{mean} +- {std} [{low}, {high}] over {len(values)} {unit}"


def difference(a: np.ndarray, b: np.ndarray) -> str:
    """``b - a`` by seed, as :func:`spread` writes it (``unpaired`` without common seeds)."""
    return f"paired difference {spread(b - a)}" if len(a) == len(b) else "unpaired"


def by_seed(table: pd.DataFrame, variant: str, column: str, study: str | None = None) -> pd.Series:
    """``column`` of ``variant`` (of ``study`` in a table of several) by seed, ascending."""
    rows = table[table["variant"] == variant]
    if study is not None:
        rows = rows[rows["study"] == study]
    return pd.to_numeric(rows.set_index("seed")[column], errors="coerce").sort_index()


def paired(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two by-seed series on their common seeds (all of each where they share none)."""
    common = a.index.intersection(b.index)
    if len(common):
        a, b = a.loc[common], b.loc[common]
    return a.to_numpy(dtype=float), b.to_numpy(dtype=float)


@dataclass(frozen=True)
class Episodes:
    """Episodes until an event, by seed; a run without it counts as ``episodes run + 1``."""

    values: pd.Series  # seed -> episode of the event (or episodes run + 1)
    reached: pd.Series  # seed -> whether the event happened

    def text(self, name: str) -> str:
        """``potential 5.33 [2.46, 8.2] over 3 seeds``, saying which seeds never got there."""
        missed = self.values[~self.reached]
        tail = (
            f" ({len(missed)} of {len(self.values)} seeds never, counted as {missed.max():g})"
            if len(missed)
            else ""
        )
        return f"{name} {spread(self.values.to_numpy(dtype=float), digits=4)}{tail}"


def first_success(returns: pd.DataFrame, evaluation: pd.DataFrame, variant: str) -> Episodes:
    """The episode of each seed's first success (``first_success_step`` of the evaluation
    table is the environment step that ended it)."""
    values, reached = {}, {}
    for _, run in evaluation[evaluation["variant"] == variant].iterrows():
        episodes = returns[(returns["variant"] == variant) & (returns["seed"] == run["seed"])]
        step = pd.to_numeric(pd.Series([run.get("first_success_step")]), errors="coerce")[0]
        done = episodes[episodes["env_steps"] >= step] if np.isfinite(step) else episodes.iloc[:0]
        reached[run["seed"]] = not done.empty
        values[run["seed"]] = done["episode"].iloc[0] if not done.empty else len(episodes) + 1
    return Episodes(pd.Series(values, dtype=float).sort_index(), pd.Series(reached).sort_index())


def learned(returns: pd.DataFrame, variant: str, window: int, target: float) -> Episodes:
    """The last episode of each seed's first ``window`` episodes whose mean return reaches
    ``target``."""
    values, reached = {}, {}
    for seed, run in returns[returns["variant"] == variant].groupby("seed"):
        trailing = run["episode_return"].rolling(window, min_periods=window).mean()
        hits = run["episode"][trailing >= target]
        reached[seed] = not hits.empty
        values[seed] = hits.iloc[0] if not hits.empty else len(run) + 1
    return Episodes(pd.Series(values, dtype=float).sort_index(), pd.Series(reached).sort_index())


def comparable(a: Episodes, b: Episodes) -> bool:
    """Whether the event happened at all in either arm: otherwise the pair measures nothing."""
    return bool(a.reached.any() or b.reached.any())

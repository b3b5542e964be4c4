"""The findings node: the course's claims the rl studies answer (``dl_lab.findings.rl``)."""

# Annotations stay evaluated (no ``from __future__ import annotations``): see nodes/agents.py.

from typing import Any

import pandas as pd

from dl_lab.findings.rl import FindingsConfig, Tables, answer
from dl_lab.rl.config import Budget, GridWorldStudy, TrapStudy


def report_findings(
    params: FindingsConfig,
    budget: Budget,
    evaluation: pd.DataFrame,
    gridworld: GridWorldStudy,
    gridworld_check: dict[str, Any],
    gridworld_values: pd.DataFrame,
    gridworld_evaluation: pd.DataFrame,
    reinforce_returns: pd.DataFrame,
    gradient_variance: pd.DataFrame,
    task_returns: pd.DataFrame,
    task_evaluation: pd.DataFrame,
    trap: TrapStudy,
    trap_sweep: pd.DataFrame,
    trap_returns: pd.DataFrame,
    trap_evaluation: pd.DataFrame,
) -> pd.DataFrame:
    """The findings table of the rl pipeline, from the tables its studies wrote."""
    tables = Tables(
        evaluation, gridworld, gridworld_check, gridworld_values, gridworld_evaluation,
        reinforce_returns, gradient_variance, task_returns, task_evaluation,
        trap, trap_sweep, trap_returns, trap_evaluation, budget,
    )  # fmt: skip
    return answer(tables, params)

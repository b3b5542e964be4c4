"""Nodes of the rl pipeline: thin calls into :mod:`dl_lab.rl`, one child run per agent."""

from dl_lab.pipelines.rl.nodes.agents import (
    check_saved_agent,
    compare_exploration,
    record_frames,
    train_dqn_agents,
    train_reinforce_agents,
)
from dl_lab.pipelines.rl.nodes.findings import report_findings
from dl_lab.pipelines.rl.nodes.gridworld import (
    check_gridworld,
    solve_gridworld,
    train_gridworld_agents,
)
from dl_lab.pipelines.rl.nodes.reports import (
    concat_tables,
    plot_greedy_evaluations,
    plot_returns,
    plot_variance,
    summarize_evaluations,
    summary_metrics,
)
from dl_lab.pipelines.rl.nodes.shaping import compare_shaping, demonstrate_shaping_trap

__all__ = [
    "check_gridworld",
    "check_saved_agent",
    "compare_exploration",
    "compare_shaping",
    "concat_tables",
    "demonstrate_shaping_trap",
    "plot_greedy_evaluations",
    "plot_returns",
    "plot_variance",
    "record_frames",
    "report_findings",
    "solve_gridworld",
    "summarize_evaluations",
    "summary_metrics",
    "train_dqn_agents",
    "train_gridworld_agents",
    "train_reinforce_agents",
]

"""Nodes of the reward-shaping studies (4.17): a discretized classic-control task with
and without PBRS, and the trap grid."""

# Annotations stay evaluated (no ``from __future__ import annotations``): see nodes/agents.py.

from functools import partial

import gymnasium as gym
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.pipelines.rl.runs import evaluation_table, returns_table, run_study
from dl_lab.reporting.rl import plot_value_maps
from dl_lab.rl.config import Budget, ShapingStudy, TrapStudy
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.gridworld import GridWorldEnv
from dl_lab.rl.shaping import POTENTIALS, policy_sweep, shaped_model, shaping_wrapper
from dl_lab.rl.tabular import optimal_actions, value_iteration


def compare_shaping(
    spec: ShapingStudy, budget: Budget, study: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tabular Q-learning on the discretized task with each shaping; raw returns reported."""
    discretize = partial(gym.wrappers.DiscretizeObservation, bins=spec.bins)
    gamma = spec.agent.get("gamma", 0.99)

    def envs(kind: str) -> tuple[EnvFactory, EnvFactory]:
        base = EnvFactory(spec.env_id, spec.layout)
        shaping = shaping_wrapper(kind, spec.potential, gamma, spec.scale)
        return base.with_wrappers(shaping, discretize), base.with_wrappers(discretize)

    runs = run_study(study, spec, budget, make_env=envs)
    return returns_table(runs), evaluation_table(runs, spec.solved_return)


def demonstrate_shaping_trap(
    spec: TrapStudy, budget: Budget, study: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure]:
    """Exact optimal policies of raw and shaped trap grids, and Q-learning on each shaping."""
    sweep = spec.sweep
    table = pd.DataFrame(policy_sweep(spec.layout, sweep.potentials, sweep.scales, sweep.gammas))
    gamma = spec.agent.get("gamma", 0.9)

    def envs(kind: str) -> tuple[EnvFactory, EnvFactory]:
        base = EnvFactory(spec.env_id, spec.layout)
        return base.with_wrappers(shaping_wrapper(kind, spec.potential, gamma, spec.scale)), base

    runs = run_study(study, spec, budget, make_env=envs)
    grid = GridWorldEnv(**spec.layout)
    evaluation = evaluation_table(runs, spec.solved_return)
    evaluation["greedy_path_end"] = [
        str(grid.greedy_path(run.result.state["q_table"].numpy())[-1]) for run in runs
    ]
    return (
        table,
        returns_table(runs),
        evaluation,
        plot_value_maps(grid, trap_panels(grid, spec, gamma)),
    )


def trap_panels(grid: GridWorldEnv, spec: TrapStudy, gamma: float) -> list[tuple]:
    """(title, values, optimal actions) of the trap grid under each of the study's shapings."""
    phi = POTENTIALS.build(spec.potential, env=grid, scale=spec.scale)
    panels = []
    for kind in spec.variants:
        values, q = value_iteration(shaped_model(grid.transition_model(), phi, kind, gamma), gamma)
        panels.append((f"{kind} shaping, gamma={gamma}", values, optimal_actions(q)))
    return panels

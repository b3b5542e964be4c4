"""Nodes of the reward-shaping study (4.17): MountainCar with PBRS, and the trap grid."""

from __future__ import annotations

from functools import partial

import gymnasium as gym
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.pipelines.rl.params import Budget, ShapingParams
from dl_lab.pipelines.rl.runs import evaluation_table, returns_table, run_study
from dl_lab.reporting.rl import plot_value_maps
from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.gridworld import GridWorldEnv
from dl_lab.rl.shaping import POTENTIALS, policy_sweep, shaped_model, shaping_wrapper, trap_layout
from dl_lab.rl.tabular import optimal_actions, value_iteration


def compare_shaping_mountaincar(
    params: ShapingParams, budget: Budget
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tabular Q-learning on discretized MountainCar with the raw reward and with PBRS."""
    study = params.mountaincar
    discretize = partial(gym.wrappers.DiscretizeObservation, bins=params.mountaincar_bins)
    gamma = study.agent.get("gamma", 0.99)

    def envs(kind: str) -> tuple[EnvFactory, EnvFactory]:
        base = EnvFactory(study.env_id, study.env_kwargs)
        shaping = shaping_wrapper(
            kind, params.mountaincar_potential, gamma, params.mountaincar_scale
        )
        return base.with_wrappers(shaping, discretize), base.with_wrappers(discretize)

    runs = run_study("shaping_mountaincar", study, budget, make_env=envs)
    return returns_table(runs), evaluation_table(runs)


def demonstrate_shaping_trap(
    params: ShapingParams, budget: Budget
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure]:
    """Exact optimal policies of raw and shaped trap grids, and Q-learning on each shaping."""
    layout = trap_layout(params.trap_rows)
    sweep = pd.DataFrame(
        policy_sweep(layout, params.sweep_potentials, params.sweep_scales, params.sweep_gammas)
    )
    study = params.trap
    gamma = study.agent.get("gamma", 0.9)

    def envs(kind: str) -> tuple[EnvFactory, EnvFactory]:
        base = EnvFactory(GRIDWORLD_ID, layout)
        return base.with_wrappers(
            shaping_wrapper(kind, params.trap_potential, gamma, params.trap_scale)
        ), base

    runs = run_study("shaping_trap", study, budget, make_env=envs)
    grid = GridWorldEnv(**layout)
    table = evaluation_table(runs)
    table["greedy_path_end"] = [
        str(grid.greedy_path(run.result.state["q_table"].numpy())[-1]) for run in runs
    ]
    return sweep, returns_table(runs), table, _trap_figure(grid, params, gamma)


def _trap_figure(grid: GridWorldEnv, params: ShapingParams, gamma: float) -> Figure:
    phi = POTENTIALS.build(params.trap_potential, env=grid, scale=params.trap_scale)
    panels = []
    for kind in params.trap.variants:
        values, q = value_iteration(shaped_model(grid.transition_model(), phi, kind, gamma), gamma)
        panels.append((f"{kind} shaping, gamma={gamma}", values, optimal_actions(q)))
    return plot_value_maps(grid, panels)

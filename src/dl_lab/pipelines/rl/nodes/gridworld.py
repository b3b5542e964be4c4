"""Nodes of the course's GridWorld (4.18): the env checker, value iteration, Q-learning."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.pipelines.rl.nodes.agents import saveable
from dl_lab.pipelines.rl.params import Budget, GridWorldParams, ShapingParams, Study
from dl_lab.pipelines.rl.runs import evaluation_table, returns_table, run_study
from dl_lab.reporting.rl import plot_frame_strip, plot_value_maps
from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.envs import check_environment
from dl_lab.rl.gridworld import GridWorldEnv
from dl_lab.rl.shaping import trap_layout
from dl_lab.rl.tabular import optimal_actions, policy_agreement, value_iteration


def check_gridworld(
    gridworld: GridWorldParams, distractor: Study, shaping: ShapingParams
) -> tuple[dict[str, Any], Figure]:
    """gymnasium's env checker, and ANSI and rgb_array renderings, of every layout used."""
    layouts = {
        "course": gridworld.q_learning.env_kwargs,
        "distractor": distractor.env_kwargs,
        "trap": trap_layout(shaping.trap_rows),
    }
    report, frames = {}, []
    for name, kwargs in layouts.items():
        env = gym.make(GRIDWORLD_ID, render_mode="ansi", **kwargs)
        env.reset()
        report[name] = {
            "checker_warnings": check_environment(GRIDWORLD_ID, **kwargs),
            "ansi": env.render(),
        }
        rgb = gym.make(GRIDWORLD_ID, render_mode="rgb_array", **kwargs)
        rgb.reset()
        frames.append(rgb.render())
    return report, plot_frame_strip(
        frames, [0] * len(frames), f"GridWorld layouts: {', '.join(layouts)}"
    )


def solve_gridworld(params: GridWorldParams) -> tuple[pd.DataFrame, Figure]:
    """Value iteration on the course's grid: values, optimal actions and their map."""
    grid = GridWorldEnv(**params.q_learning.env_kwargs)
    values, q = value_iteration(grid.transition_model(), params.gamma)
    best = optimal_actions(q)
    table = pd.DataFrame(
        {
            "state": range(len(values)),
            "cell": [str(grid.cell_of(s)) for s in range(len(values))],
            "value": values,
            "optimal_actions": [sorted(b) for b in best],
        }
    )
    figure = plot_value_maps(grid, [(f"value iteration, gamma={params.gamma}", values, best)])
    return table, figure


def train_gridworld_agents(
    params: GridWorldParams, budget: Budget
) -> tuple[pd.DataFrame, pd.DataFrame, dict, Figure]:
    """Q-learning on the course's grid, checked against value iteration's optimal policy."""
    runs = run_study("gridworld", params.q_learning, budget)
    grid = GridWorldEnv(**params.q_learning.env_kwargs)
    _, q_star = value_iteration(grid.transition_model(), params.gamma)
    states = [s for s in range(grid.observation_space.n) if not grid.is_terminal(grid.cell_of(s))]
    table = evaluation_table(runs)
    tables = [run.result.state["q_table"].numpy() for run in runs]
    table["optimal_action_share"] = [
        policy_agreement(q, optimal_actions(q_star), states) for q in tables
    ]
    table["greedy_path_length"] = [len(grid.greedy_path(q)) - 1 for q in tables]
    panels = [
        (
            f"Q-learning seed {run.seed}: max_a Q",
            q.max(axis=1),
            [{int(q[s].argmax())} for s in range(len(q))],
        )
        for run, q in zip(runs, tables, strict=True)
    ]
    return returns_table(runs), table, saveable(runs[0]), plot_value_maps(grid, panels)

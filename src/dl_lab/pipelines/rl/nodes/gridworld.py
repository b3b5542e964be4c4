"""Nodes of the course's GridWorld (4.18): the env checker, value iteration, Q-learning."""

# Annotations stay evaluated (no ``from __future__ import annotations``): see nodes/agents.py.

from typing import Any

import gymnasium as gym
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.pipelines.rl.nodes.agents import saveable
from dl_lab.pipelines.rl.runs import evaluation_table, returns_table, run_study
from dl_lab.reporting.rl import plot_frame_strip, plot_value_maps
from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.config import Budget, ExplorationStudy, GridWorldStudy, TrapStudy
from dl_lab.rl.envs import check_environment
from dl_lab.rl.gridworld import GridWorldEnv
from dl_lab.rl.tabular import optimal_actions, policy_agreement, value_iteration


def check_gridworld(
    course: GridWorldStudy, distractor: ExplorationStudy, trap: TrapStudy
) -> tuple[dict[str, Any], Figure]:
    """gymnasium's env checker, and ANSI and rgb_array renderings, of every layout used."""
    layouts = {"course": course.layout, "distractor": distractor.layout, "trap": trap.layout}
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


def solve_gridworld(spec: GridWorldStudy) -> tuple[pd.DataFrame, Figure]:
    """Value iteration on the study's grid: values, optimal actions and their map."""
    grid = GridWorldEnv(**spec.layout)
    values, q = value_iteration(grid.transition_model(), spec.value_gamma)
    best = optimal_actions(q)
    table = pd.DataFrame(
        {
            "state": range(len(values)),
            "cell": [str(grid.cell_of(s)) for s in range(len(values))],
            "value": values,
            "optimal_actions": [sorted(b) for b in best],
        }
    )
    title = f"value iteration, gamma={spec.value_gamma}"
    return table, plot_value_maps(grid, [(title, values, best)])


def train_gridworld_agents(
    spec: GridWorldStudy, budget: Budget, study: str
) -> tuple[pd.DataFrame, pd.DataFrame, dict, Figure]:
    """Q-learning on the grid, checked against value iteration's optimal policy."""
    runs = run_study(study, spec, budget)
    grid = GridWorldEnv(**spec.layout)
    _, q_star = value_iteration(grid.transition_model(), spec.value_gamma)
    states = [s for s in range(grid.observation_space.n) if not grid.is_terminal(grid.cell_of(s))]
    table = evaluation_table(runs, spec.solved_return)
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

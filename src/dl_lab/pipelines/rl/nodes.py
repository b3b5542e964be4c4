"""Nodes of the rl pipeline: thin calls into :mod:`dl_lab.rl`, one child run per agent."""

from __future__ import annotations

from functools import partial
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.pipelines.rl.params import Budget, GridWorldParams, ShapingParams, Study
from dl_lab.pipelines.rl.runs import AgentRun, evaluation_table, returns_table, run_study
from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.agents import agent_bundle, evaluate_bundle, restore_policy
from dl_lab.rl.common import greedy_frames
from dl_lab.rl.envs import EnvFactory, check_environment
from dl_lab.rl.gridworld import GridWorldEnv
from dl_lab.rl.plots import (
    plot_frame_strip,
    plot_gradient_variance,
    plot_return_curves,
    plot_value_maps,
)
from dl_lab.rl.shaping import policy_sweep, shaping_wrapper, trap_layout
from dl_lab.rl.tabular import optimal_actions, policy_agreement, value_iteration


def _bundle(run: AgentRun) -> dict[str, Any]:
    """The saveable agent, labelled with the run it came from."""
    label = {"study": run.study, "variant": run.variant, "seed": run.seed}
    return {**agent_bundle(run.result, run.env_fn), "run": label}


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
    return returns_table(runs), table, _bundle(runs[0]), plot_value_maps(grid, panels)


def train_dqn_agents(
    study: Study, budget: Budget
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """DQN variants on CartPole: returns, final evaluation, periodic evaluations, one saved agent."""
    runs = run_study("dqn", study, budget)
    periodic = pd.DataFrame(
        [
            {"variant": run.variant, "seed": run.seed, **row}
            for run in runs
            for row in run.result.evaluations
        ]
    )
    table = evaluation_table(runs, solved_return=study.agent.get("solved_return", 475.0))
    best = max(runs, key=lambda run: run.eval_returns.mean())
    return returns_table(runs), table, periodic, _bundle(best)


def train_reinforce_agents(
    study: Study, budget: Budget
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """REINFORCE with and without a baseline; the gradient-variance probes of both estimators."""
    runs = run_study("reinforce", study, budget)
    probes = []
    for run in runs:
        for probe in run.result.extras["variance_probes"]:
            for estimator in ("no_baseline", "baseline"):
                probes.append(
                    {
                        "variant": run.variant,
                        "seed": run.seed,
                        "update": probe["update"],
                        "estimator": estimator,
                        "grad_variance": probe[f"grad_variance_{estimator}"],
                        "grad_mean_norm": probe[f"grad_mean_norm_{estimator}"],
                    }
                )
    table = evaluation_table(runs, solved_return=475.0)
    best = max(runs, key=lambda run: run.eval_returns.mean())
    return returns_table(runs), table, pd.DataFrame(probes), _bundle(best)


def compare_exploration(
    study: Study, budget: Budget, name: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every exploration strategy of ``study`` on its seeds: returns and final greedy returns."""
    runs = run_study(name, study, budget)
    return returns_table(runs), evaluation_table(runs)


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
    from dl_lab.rl.shaping import POTENTIALS, shaped_model

    phi = POTENTIALS.build(params.trap_potential, env=grid, scale=params.trap_scale)
    panels = []
    for kind in params.trap.variants:
        values, q = value_iteration(shaped_model(grid.transition_model(), phi, kind, gamma), gamma)
        panels.append((f"{kind} shaping, gamma={gamma}", values, optimal_actions(q)))
    return plot_value_maps(grid, panels)


def check_saved_agent(bundle: dict, evaluation: pd.DataFrame, budget: Budget) -> pd.DataFrame:
    """Evaluate a reloaded agent on the same episodes as right after training; one row."""
    run = bundle["run"]
    reloaded = evaluate_bundle(bundle, budget.eval_episodes, budget.eval_seed)
    trained = evaluation.set_index(["variant", "seed"]).loc[(run["variant"], run["seed"])]
    return pd.DataFrame(
        [
            {
                **run,
                "algorithm": bundle["algorithm"],
                "env_id": bundle["env_id"],
                "trained_eval_mean_return": float(trained["eval_mean_return"]),
                "reloaded_eval_mean_return": float(reloaded.mean()),
                "reproduced": bool(np.isclose(reloaded.mean(), trained["eval_mean_return"])),
            }
        ]
    )


def record_frames(bundle: dict, budget: Budget, frames: int = 8) -> Figure:
    """A strip of rgb_array frames from one greedy episode of a saved agent."""
    policy, env_fn = restore_policy(bundle)
    images, steps = greedy_frames(policy, env_fn, seed=budget.eval_seed)
    keep = np.unique(np.linspace(0, len(images) - 1, frames).round().astype(int))
    title = f"greedy {bundle['algorithm']} on {bundle['env_id']}: {steps[-1]} steps"
    return plot_frame_strip([images[i] for i in keep], [steps[i] for i in keep], title)


def plot_returns(
    returns: pd.DataFrame, title: str, x: str = "episode", threshold: float | None = None
) -> Figure:
    """Return curves, mean ± std over seeds, one line per variant."""
    return plot_return_curves(returns, x=x, title=title, threshold=threshold)


def plot_variance(probes: pd.DataFrame) -> Figure:
    """Gradient variance of REINFORCE with and without the baseline."""
    return plot_gradient_variance(probes)


def summarize_evaluations(*tables: pd.DataFrame) -> pd.DataFrame:
    """All final greedy evaluations in one table."""
    columns = [
        "study",
        "variant",
        "algorithm",
        "env_id",
        "seed",
        "env_steps",
        "episodes",
        "wall_time_s",
        "eval_episodes",
        "eval_mean_return",
        "eval_std_return",
    ]
    return pd.concat([t[columns] for t in tables], ignore_index=True)


def concat_tables(*tables: pd.DataFrame) -> pd.DataFrame:
    """Rows of several tables with the same columns."""
    return pd.concat(tables, ignore_index=True)


def summary_metrics(evaluation: pd.DataFrame, probes: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Headline numbers for the parent run: mean greedy return per study and variant, and
    the variance ratio of the REINFORCE gradient without / with the baseline."""
    means = evaluation.groupby(["study", "variant"])["eval_mean_return"].mean()
    metrics = {
        f"{study}.{variant}.eval_mean_return": float(v) for (study, variant), v in means.items()
    }
    wide = probes.pivot_table(
        index=["variant", "seed", "update"], columns="estimator", values="grad_variance"
    )
    metrics["reinforce.grad_variance_ratio"] = float(
        (wide["no_baseline"] / wide["baseline"]).median()
    )
    return {key: {"value": value, "step": 0} for key, value in metrics.items()}

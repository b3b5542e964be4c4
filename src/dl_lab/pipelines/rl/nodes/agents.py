"""Nodes of the deep agents (4.14, 4.16), the exploration studies (4.3, 4.25) and the
saved agents' checks."""

# Annotations stay evaluated (no ``from __future__ import annotations``): these nodes get the
# study's name bound as a constant, and Kedro reads their parameter types through the binding.

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.pipelines.rl.runs import AgentRun, evaluation_table, returns_table, run_study
from dl_lab.reporting.rl import plot_frame_strip
from dl_lab.rl.agents import agent_bundle, evaluate_bundle, restore_policy
from dl_lab.rl.common import greedy_frames
from dl_lab.rl.config import Budget, DQNStudy, ExplorationStudy, ReinforceStudy


def saveable(run: AgentRun) -> dict[str, Any]:
    """The saveable agent, labelled with the run it came from."""
    label = {"study": run.study, "variant": run.variant, "seed": run.seed}
    return {**agent_bundle(run.result, run.env_fn), "run": label}


def best(runs: list[AgentRun]) -> AgentRun:
    """The run whose agent has the highest mean greedy return (the first on a tie)."""
    return max(runs, key=lambda run: run.eval_returns.mean())


def train_dqn_agents(
    spec: DQNStudy, budget: Budget, study: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """DQN variants: returns, final evaluation, periodic evaluations, the best agent."""
    runs = run_study(study, spec, budget)
    periodic = pd.DataFrame(
        [
            {"variant": run.variant, "seed": run.seed, **row}
            for run in runs
            for row in run.result.evaluations
        ]
    )
    table = evaluation_table(runs, spec.solved_return)
    return returns_table(runs), table, periodic, saveable(best(runs))


def train_reinforce_agents(
    spec: ReinforceStudy, budget: Budget, study: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """REINFORCE with and without a baseline; the gradient-variance probes of both estimators."""
    runs = run_study(study, spec, budget)
    probes = [
        {
            "variant": run.variant,
            "seed": run.seed,
            "update": probe["update"],
            "estimator": estimator,
            "grad_variance": probe[f"grad_variance_{estimator}"],
            "grad_mean_norm": probe[f"grad_mean_norm_{estimator}"],
        }
        for run in runs
        for probe in run.result.extras["variance_probes"]
        for estimator in ("no_baseline", "baseline")
    ]
    table = evaluation_table(runs, spec.solved_return)
    return returns_table(runs), table, pd.DataFrame(probes), saveable(best(runs))


def compare_exploration(
    spec: ExplorationStudy, budget: Budget, study: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every exploration strategy of ``spec`` on its seeds: returns and final greedy returns."""
    runs = run_study(study, spec, budget)
    return returns_table(runs), evaluation_table(runs, spec.solved_return)


def check_saved_agent(bundle: dict, evaluation: pd.DataFrame, budget: Budget) -> pd.DataFrame:
    """Evaluate a reloaded agent on the same episodes as right after training; one row."""
    run = bundle["run"]
    trained = evaluation.set_index(["variant", "seed"]).loc[(run["variant"], run["seed"])]
    reloaded = evaluate_bundle(bundle, int(trained["eval_episodes"]), budget.eval_seed)
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
    images, steps = greedy_frames(policy, env_fn, seed=budget.eval_seed, frames=frames)
    title = f"greedy {bundle['algorithm']} on {bundle['env_id']}: {steps[-1]} steps"
    return plot_frame_strip(images, steps, title)

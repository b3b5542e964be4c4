"""Running a study: its agents (variant x seed) trained as independent jobs on every core,
one MLflow child run per agent, and its tables.

Kedro-side glue over :mod:`dl_lab.rl`: the library trains, this module tracks. Each agent is
a job of :func:`dl_lab.rl.agents.train_and_evaluate` on the shared worker pool
(:mod:`dl_lab.parallel`; ``DL_LAB_WORKERS=1`` trains them here, one after the other, with
the same results). As each job finishes, this process opens the agent's child run and logs
its parameters, per-episode metrics and final greedy returns in a few batched requests,
while the other jobs keep training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dl_lab import parallel, progress, tracking
from dl_lab.rl.agents import TrainedAgent, train_and_evaluate
from dl_lab.rl.common import TrainResult
from dl_lab.rl.config import Budget, Study
from dl_lab.rl.envs import EnvFactory


@dataclass
class AgentRun:
    """One trained agent: who it is, what training returned, and its final greedy returns."""

    study: str
    variant: str
    seed: int
    result: TrainResult
    eval_returns: np.ndarray
    env_fn: EnvFactory


def agent_jobs(
    study: str,
    spec: Study,
    budget: Budget,
    make_env: Callable[[str], tuple[EnvFactory, EnvFactory | None]] | None = None,
) -> list[tuple[str, int, dict[str, Any]]]:
    """``(variant, seed, job)`` for every agent of the study, in variant then seed order;
    ``make_env(variant)`` gives its (train, eval) environments."""
    agents = []
    for variant in spec.variants:
        env_fn, eval_env_fn = (
            make_env(variant) if make_env else (EnvFactory(spec.env_id, spec.env_kwargs), None)
        )
        for seed in budget.seeds_for(study, variant):
            job = {
                "algorithm": spec.algorithm,
                "options": spec.options(variant),
                "seed": seed,
                "env_fn": env_fn,
                "eval_episodes": spec.final_episodes(budget),
                "eval_seed": budget.eval_seed,
                "eval_env_fn": eval_env_fn,
            }
            agents.append((variant, seed, job))
    return agents


def track_agent(study: str, variant: str, seed: int, spec: Study, trained: TrainedAgent) -> str:
    """The agent's child run: parameters, tags, every training metric and the final greedy
    returns; logs its summary line and returns the run id."""
    result, returns = trained.result, trained.eval_returns
    identity = tracking.RunIdentity("rl", study, variant, seed).with_tags(
        algorithm=spec.algorithm, env_id=spec.env_id
    )
    final = {
        "final_eval_mean_return": returns.mean(),
        "final_eval_std_return": returns.std(),
        "env_steps": result.env_steps,
        "wall_time_s": result.wall_time_s,
    }
    with tracking.identified_run(identity, result.config) as run_id:
        points = [*trained.records, *((key, float(value), 0) for key, value in final.items())]
        tracking.log_metric_history(run_id, points)
    name = f"{study}.{variant}.seed{seed}"
    progress.announce("rl", name, "eval_mean_return", returns.mean(), seconds=result.wall_time_s)
    return run_id


def run_study(
    study: str,
    spec: Study,
    budget: Budget,
    make_env: Callable[[str], tuple[EnvFactory, EnvFactory | None]] | None = None,
) -> list[AgentRun]:
    """Every variant of ``spec`` on its seeds, trained in parallel, each tracked as it
    finishes; the runs in variant then seed order, whatever order they finished in."""
    agents = agent_jobs(study, spec, budget, make_env)
    runs: dict[int, AgentRun] = {}
    jobs = [job for _, _, job in agents]
    for index, trained in parallel.run_each(train_and_evaluate, jobs):
        variant, seed, job = agents[index]
        track_agent(study, variant, seed, spec, trained)
        runs[index] = AgentRun(
            study, variant, seed, trained.result, trained.eval_returns, job["env_fn"]
        )
    return [runs[index] for index in range(len(agents))]


def returns_table(runs: list[AgentRun]) -> pd.DataFrame:
    """One row per training episode: study, variant, seed, episode, env_steps, return, length."""
    parts = []
    for run in runs:
        lengths = np.asarray(run.result.episode_lengths)
        parts.append(
            pd.DataFrame(
                {
                    "study": run.study,
                    "variant": run.variant,
                    "seed": run.seed,
                    "episode": np.arange(1, len(lengths) + 1),
                    "env_steps": np.cumsum(lengths),
                    "episode_return": run.result.episode_returns,
                    "episode_length": lengths,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def evaluation_table(runs: list[AgentRun], solved_return: float | None = None) -> pd.DataFrame:
    """One row per agent: final greedy evaluation, training cost and what the agent reports."""
    rows = []
    for run in runs:
        extras = {k: v for k, v in run.result.extras.items() if np.isscalar(v) or v is None}
        rows.append(
            {
                "study": run.study,
                "variant": run.variant,
                "algorithm": run.result.algorithm,
                "env_id": run.env_fn.env_id,
                "seed": run.seed,
                "env_steps": run.result.env_steps,
                "episodes": len(run.result.episode_returns),
                "wall_time_s": round(run.result.wall_time_s, 2),
                "eval_episodes": len(run.eval_returns),
                "eval_mean_return": float(run.eval_returns.mean()),
                "eval_std_return": float(run.eval_returns.std()),
                "solved": None
                if solved_return is None
                else bool(run.eval_returns.mean() >= solved_return),
                **extras,
            }
        )
    return pd.DataFrame(rows)

"""Running a study: one MLflow child run per agent (variant x seed), and its tables.

Kedro-side glue over :mod:`dl_lab.rl`: the library trains, this module tracks. Per-episode
returns are kept in memory during training and written to the child run in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from dl_lab import progress, tracking
from dl_lab.rl.agents import make_config, result_policy, train_agent
from dl_lab.rl.common import MetricRecorder, TrainResult, evaluate
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


def run_agent(
    study: str,
    variant: str,
    spec: Study,
    budget: Budget,
    seed: int,
    env_fn: EnvFactory,
    eval_env_fn: EnvFactory | None = None,
) -> AgentRun:
    """Train one agent in its own child run, then evaluate it greedily on fresh episodes."""
    config = make_config(spec.algorithm, spec.options(variant), seed=seed)
    identity = tracking.RunIdentity("rl", study, variant, seed).with_tags(
        algorithm=spec.algorithm, env_id=spec.env_id
    )
    recorder = MetricRecorder()
    with tracking.identified_run(identity, asdict(config)) as run_id:
        result = train_agent(spec.algorithm, config, env_fn, recorder)
        returns = evaluate(
            result_policy(result), eval_env_fn or env_fn, budget.eval_episodes, budget.eval_seed
        )
        tracking.log_metric_history(run_id, recorder.records)
        tracking.log_metrics(
            run_id,
            {
                "final_eval_mean_return": returns.mean(),
                "final_eval_std_return": returns.std(),
                "env_steps": result.env_steps,
                "wall_time_s": result.wall_time_s,
            },
        )
    name = f"{study}.{variant}.seed{seed}"
    progress.announce("rl", name, "eval_mean_return", returns.mean(), seconds=result.wall_time_s)
    return AgentRun(study, variant, seed, result, returns, env_fn)


def run_study(
    study: str,
    spec: Study,
    budget: Budget,
    make_env: Callable[[str], tuple[EnvFactory, EnvFactory | None]] | None = None,
) -> list[AgentRun]:
    """Every variant of ``spec`` on its seeds; ``make_env(variant)`` gives (train, eval) envs."""
    runs = []
    for variant in spec.variants:
        env_fn, eval_env_fn = (
            make_env(variant) if make_env else (EnvFactory(spec.env_id, spec.env_kwargs), None)
        )
        for seed in budget.seeds_for(study, variant):
            runs.append(run_agent(study, variant, spec, budget, seed, env_fn, eval_env_fn))
    return runs


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

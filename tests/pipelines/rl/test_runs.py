"""A study's agents as jobs on the worker pool (dl_lab.parallel): the same tables and agents
as training them here one by one, one child run per agent logged by this process with its
summary line, and a stop that ends the study at once."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
import torch

from dl_lab import parallel
from dl_lab.errors import Terminated
from dl_lab.pipelines.rl import runs
from dl_lab.pipelines.rl.runs import evaluation_table, returns_table, run_study
from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.config import Budget, DQNStudy, ExplorationStudy
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.shaping import shaping_wrapper

BUDGET = Budget(seeds=[1, 2], eval_episodes=3, eval_seed=100)

DQN = DQNStudy(
    kind="dqn",
    algorithm="dqn",
    env_id="CartPole-v1",
    agent={
        "hidden_sizes": [8],
        "learning_starts": 40,
        "train_frequency": 20,
        "gradient_steps": 2,
        "eval_every": 60,
        "eval_episodes": 2,
    },
    variants={"dqn": {}, "double_dqn": {"double": True}},
    budget={"total_timesteps": 120},
    curves={"title": "tiny DQN"},
    saved_as="dqn",
    evaluations_title="tiny DQN evaluations",
)

CORRIDOR = ExplorationStudy(
    kind="exploration",
    algorithm="q_learning",
    env_id=GRIDWORLD_ID,
    env_kwargs={"size": [1, 5], "goal": [0, 4]},
    agent={"gamma": 0.9, "learning_rate": 0.5},
    variants={
        "greedy": {"exploration": {"strategy": "greedy"}},
        "epsilon_fixed": {"exploration": {"strategy": "epsilon_fixed", "epsilon": 0.2}},
    },
    budget={"episodes": 15},
    curves={"title": "a corridor"},
)


def shaped(variant: str) -> tuple[EnvFactory, EnvFactory]:
    """Train behind potential-based shaping (a wrapper the workers must rebuild), evaluate raw."""
    base = EnvFactory(GRIDWORLD_ID, {"size": [1, 5], "goal": [0, 4]})
    return base.with_wrappers(shaping_wrapper("potential", "manhattan", 0.9)), base


def _trained(monkeypatch, workers: int, study: str, spec, make_env=None):
    monkeypatch.setenv(parallel.WORKERS_ENV, str(workers))
    done = run_study(study, spec, BUDGET, make_env)
    evaluation = evaluation_table(done).drop(columns="wall_time_s")
    return done, returns_table(done), evaluation


@pytest.mark.parametrize(
    ("study", "spec", "make_env"),
    [("dqn", DQN, None), ("corridor", CORRIDOR, None), ("shaped", CORRIDOR, shaped)],
)
def test_the_pool_trains_the_same_agents_as_inline(monkeypatch, tracked, study, spec, make_env):
    inline, inline_returns, inline_evaluation = _trained(monkeypatch, 1, study, spec, make_env)
    pooled, pooled_returns, pooled_evaluation = _trained(monkeypatch, 2, study, spec, make_env)
    pd.testing.assert_frame_equal(pooled_returns, inline_returns)
    pd.testing.assert_frame_equal(pooled_evaluation, inline_evaluation)
    assert [(run.variant, run.seed) for run in pooled] == [
        (variant, seed) for variant in spec.variants for seed in BUDGET.seeds
    ]
    for a, b in zip(inline, pooled, strict=True):
        assert a.result.evaluations == b.result.evaluations
        for key, value in a.result.state.items():
            if isinstance(value, dict):  # a network's state_dict
                assert all(torch.equal(value[k], b.result.state[key][k]) for k in value)
            elif isinstance(value, torch.Tensor):
                assert torch.equal(value, b.result.state[key])
            else:
                assert value == b.result.state[key]
    assert inline_returns["episode_return"].nunique() > 1  # the runs did learn something


def test_each_agent_is_one_child_run_logged_here_with_its_summary_line(
    monkeypatch, tracked, caplog
):
    client, experiment_id = tracked
    caplog.set_level(logging.INFO, logger="dl_lab")
    done, returns, evaluation = _trained(monkeypatch, 2, "dqn", DQN)
    children = {run.info.run_name: run for run in client.search_runs([experiment_id])}
    assert set(children) == {f"dqn__{v}__seed{s}" for v in DQN.variants for s in BUDGET.seeds}
    for row in evaluation.itertuples():
        run = children[f"dqn__{row.variant}__seed{row.seed}"]
        assert run.info.status == "FINISHED"
        assert run.data.metrics["final_eval_mean_return"] == pytest.approx(row.eval_mean_return)
        assert run.data.params["double"] == str(row.variant == "double_dqn")
        history = client.get_metric_history(run.info.run_id, "episode_return")
        mine = returns[(returns["variant"] == row.variant) & (returns["seed"] == row.seed)]
        assert [m.value for m in history] == mine["episode_return"].tolist()
        evaluations = client.get_metric_history(run.info.run_id, "eval_mean_return")
        assert [m.step for m in evaluations] == [60, 120]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("rl  dqn.")]
    assert sorted(line.split("  ")[1] for line in lines) == sorted(
        f"dqn.{v}.seed{s}" for v in DQN.variants for s in BUDGET.seeds
    )


def test_a_stop_while_an_agent_is_logged_ends_the_study(monkeypatch, tracked):
    client, experiment_id = tracked
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")

    def stop(*args, **kwargs):
        raise Terminated("SIGTERM")

    monkeypatch.setattr(runs.tracking, "log_metric_history", stop)
    with pytest.raises(Terminated, match="SIGTERM"):
        run_study("dqn", DQN, BUDGET)
    (child,) = client.search_runs([experiment_id])  # no agent was tracked after the stop
    assert child.info.status == "FAILED"
    assert child.data.tags["failure_reason"] == "Terminated: SIGTERM"
    monkeypatch.undo()
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    again = run_study("corridor", CORRIDOR, BUDGET)  # the pool takes new jobs after a stop
    assert len(again) == 4

"""The agent registry, configs from options, and saved agents that reload exactly."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from dl_lab.registry import UnknownNameError
from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.agents import (
    AGENTS,
    agent_bundle,
    evaluate_bundle,
    load_agent,
    make_config,
    result_policy,
    save_agent,
    train_agent,
    train_and_evaluate,
)
from dl_lab.rl.common import evaluate, no_log
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.shaping import shaping_wrapper

OPTIONS = {
    "q_learning": ({"episodes": 30}, GRIDWORLD_ID),
    "dqn": (
        {
            "total_timesteps": 200,
            "learning_starts": 50,
            "train_frequency": 10,
            "gradient_steps": 2,
            "hidden_sizes": [16],
            "eval_every": 0,
            "eval_episodes": 3,
        },
        "CartPole-v1",
    ),
    "reinforce": (
        {"updates": 2, "episodes_per_update": 2, "variance_every": 0, "eval_episodes": 3},
        "CartPole-v1",
    ),
}


def test_every_registered_agent_has_a_short_run():
    assert AGENTS.available() == sorted(OPTIONS)


@pytest.mark.parametrize("algorithm", sorted(OPTIONS))
def test_a_saved_agent_reloads_and_reproduces_its_evaluation(algorithm, tmp_path):
    options, env_id = OPTIONS[algorithm]
    env_fn = EnvFactory(env_id)
    result = train_agent(algorithm, make_config(algorithm, options, seed=7), env_fn, no_log)
    before = evaluate(result_policy(result), env_fn, episodes=10, seed=123)
    save_agent(agent_bundle(result, env_fn), tmp_path / "agent.pt")
    raw = torch.load(tmp_path / "agent.pt", weights_only=True)  # nothing but plain data inside
    assert raw["algorithm"] == algorithm and raw["env_id"] == env_id
    after = evaluate_bundle(load_agent(tmp_path / "agent.pt"), episodes=10, seed=123)
    np.testing.assert_array_equal(before, after)


def test_unknown_names_and_options_fail_clearly(tmp_path):
    with pytest.raises(
        UnknownNameError, match="unknown agent 'ppo'; available: dqn, q_learning, reinforce"
    ):
        make_config("ppo", {}, seed=0)
    with pytest.raises(
        ValueError, match=r"unknown dqn option\(s\) \['lr'\]; allowed: seed, total_timesteps"
    ):
        make_config("dqn", {"lr": 0.1}, seed=0)
    with pytest.raises(
        UnknownNameError, match="unknown environment id 'CartPole-v0'; available: Acrobot-v1"
    ):
        EnvFactory("CartPole-v0")
    torch.save({"algorithm": "dqn"}, tmp_path / "partial.pt")
    with pytest.raises(ValueError, match="saved agent lacks"):
        load_agent(tmp_path / "partial.pt")
    torch.save(
        {"algorithm": "a3c", "env_id": "CartPole-v1", "env_kwargs": {}, "config": {}, "state": {}},
        tmp_path / "other.pt",
    )
    with pytest.raises(UnknownNameError, match="unknown agent 'a3c'"):
        load_agent(tmp_path / "other.pt")


def test_agents_behind_extra_wrappers_are_not_saved():
    env_fn = EnvFactory(GRIDWORLD_ID).with_wrappers(shaping_wrapper("potential", "manhattan", 0.9))
    result = train_agent(
        "q_learning", make_config("q_learning", {"episodes": 2}, seed=0), env_fn, no_log
    )
    with pytest.raises(ValueError, match="extra wrappers"):
        agent_bundle(result, env_fn)


def test_a_training_job_and_its_result_survive_pickling_as_for_a_worker_process():
    shaped = EnvFactory(GRIDWORLD_ID, {"size": (1, 5), "goal": (0, 4)}).with_wrappers(
        shaping_wrapper("potential", "manhattan", 0.9)
    )
    job = {
        "algorithm": "q_learning",
        "options": {"episodes": 8},
        "seed": 3,
        "env_fn": shaped,
        "eval_episodes": 2,
        "eval_seed": 9,
        "eval_env_fn": EnvFactory(GRIDWORLD_ID, {"size": (1, 5), "goal": (0, 4)}),
    }
    here = train_and_evaluate(**job)
    there = pickle.loads(pickle.dumps(train_and_evaluate(**pickle.loads(pickle.dumps(job)))))
    assert there.result.episode_returns == here.result.episode_returns
    assert there.records == here.records and len(here.records) == 2 * 8  # return, length
    np.testing.assert_array_equal(there.eval_returns, here.eval_returns)
    assert torch.equal(there.result.state["q_table"], here.result.state["q_table"])

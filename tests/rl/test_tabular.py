"""Value iteration and Q-learning on GridWorld (4.18)."""

from __future__ import annotations

import numpy as np
import pytest

from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.common import MetricRecorder, evaluate
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.gridworld import GridWorldEnv
from dl_lab.rl.tabular import (
    QLearningConfig,
    greedy_table_policy,
    optimal_actions,
    policy_agreement,
    train,
    value_iteration,
)

DOWN, RIGHT = 1, 3


def test_value_iteration_on_the_course_grid():
    grid = GridWorldEnv()
    values, q = value_iteration(grid.transition_model(), gamma=0.9)
    # from (0,0): three -1 steps then +10, discounted by 0.9
    assert values[0] == pytest.approx(-1 - 0.9 - 0.81 + 10 * 0.9**3)
    assert values[grid.state_of((2, 1))] == pytest.approx(10.0)
    assert values[grid.state_of((2, 2))] == 0.0  # terminal
    best = optimal_actions(q)
    assert best[0] == {DOWN, RIGHT}  # six shortest paths start with down or right
    assert best[grid.state_of((2, 0))] == {RIGHT}


def test_q_learning_reaches_the_optimal_policy():
    recorder = MetricRecorder()
    config = QLearningConfig(seed=3, episodes=300, learning_rate=0.5)
    result = train(config, EnvFactory(GRIDWORLD_ID), recorder)
    grid = GridWorldEnv()
    q = result.state["q_table"].numpy()
    _, q_star = value_iteration(grid.transition_model(), gamma=config.gamma)
    states = [s for s in range(9) if s != grid.state_of(grid.goal)]
    assert policy_agreement(q, optimal_actions(q_star), states) == 1.0
    assert len(grid.greedy_path(q)) - 1 == 4
    assert (
        evaluate(greedy_table_policy(q), EnvFactory(GRIDWORLD_ID), 3, seed=0).tolist() == [7.0] * 3
    )
    assert recorder.series("episode_return") == result.episode_returns
    assert len(result.episode_returns) == 300


def test_q_learning_is_reproducible():
    config = QLearningConfig(seed=11, episodes=40)
    first = train(config, EnvFactory(GRIDWORLD_ID), MetricRecorder())
    second = train(config, EnvFactory(GRIDWORLD_ID), MetricRecorder())
    assert first.episode_returns == second.episode_returns
    assert np.array_equal(first.state["q_table"], second.state["q_table"])


def test_a_time_limit_is_not_a_terminal_state():
    # one-step episodes that always end by truncation: the target must still bootstrap
    env = EnvFactory(GRIDWORLD_ID, {"size": (1, 5), "goal": (0, 4), "max_episode_steps": 1})
    config = QLearningConfig(
        seed=0,
        episodes=1,
        learning_rate=0.5,
        gamma=0.9,
        initial_q=5.0,
        exploration={"strategy": "epsilon_fixed", "epsilon": 0.0},
    )
    result = train(config, env, MetricRecorder())
    q = result.state["q_table"].numpy()
    updated = q[q != 5.0]
    assert updated.tolist() == [pytest.approx(5.0 + 0.5 * (-1.0 + 0.9 * 5.0 - 5.0))]

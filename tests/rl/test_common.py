"""Greedy evaluation, schedules, frames and metric recording."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.common import MetricRecorder, evaluate, greedy_frames, linear_schedule
from dl_lab.rl.envs import EnvFactory


def _always(action: int):
    return lambda obs: np.full(len(obs), action)


def test_vectorized_evaluation_counts_each_first_episode_once():
    returns = evaluate(_always(0), EnvFactory("CartPole-v1"), episodes=30, seed=0, batch=8)
    assert (
        len(returns) == 30 and 7 <= returns.min() and returns.max() <= 12
    )  # pushing left falls fast
    np.testing.assert_array_equal(
        returns, evaluate(_always(0), EnvFactory("CartPole-v1"), 30, seed=0, batch=8)
    )
    # a grid policy that walks into the border forever is cut at the time limit (100 steps)
    stuck = evaluate(_always(0), EnvFactory(GRIDWORLD_ID), episodes=3, seed=0)
    assert stuck.tolist() == [-100.0] * 3


def test_greedy_episodes_run_on_one_torch_thread_and_the_count_comes_back():
    seen = []

    def policy(obs):
        seen.append(torch.get_num_threads())
        return np.zeros(len(obs), dtype=int)

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        evaluate(policy, EnvFactory("CartPole-v1"), episodes=2, seed=0)
        greedy_frames(policy, EnvFactory("CartPole-v1"), seed=0, frames=2)
        assert seen and set(seen) == {1} and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_linear_schedule():
    assert [linear_schedule(1.0, 0.0, 10, t) for t in (0, 5, 10, 20)] == pytest.approx(
        [1.0, 0.5, 0.0, 0.0]
    )
    assert linear_schedule(1.0, 0.2, 0, 3) == 0.2


def test_greedy_frames_of_a_cartpole_episode():
    frames, steps = greedy_frames(_always(1), EnvFactory("CartPole-v1"), seed=0, frames=4)
    length = int(evaluate(_always(1), EnvFactory("CartPole-v1"), episodes=1, seed=0)[0])
    assert frames[0].shape == (400, 600, 3) and len(frames) == len(steps) == 4
    assert steps == np.linspace(0, length, 4).round().astype(int).tolist()
    assert not np.array_equal(frames[0], frames[-1])  # the pole has moved
    with pytest.raises(ValueError, match="at least 2"):
        greedy_frames(_always(1), EnvFactory("CartPole-v1"), seed=0, frames=1)


def test_metric_recorder_keeps_every_point():
    recorder = MetricRecorder()
    recorder({"episode_return": 3, "episode_length": 4}, step=1)
    recorder({"episode_return": 5}, step=2)
    assert recorder.records == [
        ("episode_return", 3.0, 1),
        ("episode_length", 4.0, 1),
        ("episode_return", 5.0, 2),
    ]
    assert recorder.series("episode_return") == [3.0, 5.0]

"""GridWorld (4.18): the course's grid by default, configurable, and a valid gymnasium env."""

from __future__ import annotations

import re

import gymnasium as gym
import numpy as np
import pytest

import dl_lab.rl
from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.envs import check_environment, register_gridworld
from dl_lab.rl.gridworld import GridWorldEnv

UP, DOWN, LEFT, RIGHT = range(4)


def test_default_is_the_course_grid():
    env = gym.make(GRIDWORLD_ID)
    obs, info = env.reset(seed=0)
    assert (obs, info["cell"]) == (0, (0, 0))
    rewards = []
    for action in (DOWN, DOWN, RIGHT, RIGHT):  # (0,0)->(1,0)->(2,0)->(2,1)->(2,2)
        obs, reward, terminated, truncated, info = env.step(action)
        rewards.append(reward)
    assert info["cell"] == (2, 2) and terminated and not truncated
    assert rewards == [-1.0, -1.0, -1.0, 10.0]
    assert sum(rewards) == 7.0  # the course's undiscounted return of a shortest path


def test_invalid_moves_stay_put_and_cost_a_step():
    env = GridWorldEnv()
    env.reset(seed=0)
    for action in (UP, LEFT):
        obs, reward, terminated, _, info = env.step(action)
        assert info["cell"] == (0, 0) and reward == -1.0 and not terminated


def test_walls_block_and_extra_terminals_end_the_episode():
    env = GridWorldEnv(size=(3, 4), walls=[(1, 0)], terminals=[(0, 1, 2.5)])
    env.reset(seed=0)
    assert env.step(DOWN)[4]["cell"] == (0, 0)  # into the wall: stay
    _, reward, terminated, _, info = env.step(RIGHT)
    assert (reward, terminated, info["is_success"]) == (2.5, True, False)


def test_slip_moves_sideways_at_the_configured_rate():
    env = GridWorldEnv(size=(5, 5), start=(2, 2), goal=(4, 4), slip=0.3)
    env.reset(seed=1)
    slips = []
    for _ in range(4000):
        env.reset()
        slips.append(env.step(UP)[4]["slipped"])
    assert np.mean(slips) == pytest.approx(0.3, abs=0.03)


def test_transition_model_is_a_distribution():
    env = GridWorldEnv(size=(4, 4), walls=[(1, 1)], slip=0.2)
    for actions in env.transition_model().values():
        for outcomes in actions.values():
            if outcomes:  # empty for terminal and wall cells
                assert sum(p for p, *_ in outcomes) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"size": (4, 5), "walls": [(1, 1), (2, 3)], "terminals": [(0, 4, 1.0)], "slip": 0.2}],
)
def test_passes_gymnasiums_env_checker(kwargs):
    assert check_environment(GRIDWORLD_ID, **kwargs) == []


def test_renders_ansi_and_rgb_array():
    text_env = gym.make(GRIDWORLD_ID, render_mode="ansi", walls=[(1, 1)])
    text_env.reset(seed=0)
    assert text_env.render() == "A . .\n. # .\n. . G\n"
    image_env = gym.make(GRIDWORLD_ID, render_mode="rgb_array", cell_pixels=10)
    image_env.reset(seed=0)
    frame = image_env.render()
    assert frame.shape == (30, 30, 3) and frame.dtype == np.uint8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"goal": (3, 3)}, "goal=(3, 3) is outside the 3x3 grid"),
        ({"slip": 1.0}, "slip=1.0 must be in [0, 1)"),
        ({"walls": [(0, 0)]}, "start=(0, 0) is a wall"),
        ({"render_mode": "human"}, "render_mode='human'"),
    ],
)
def test_bad_layouts_fail_clearly(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        GridWorldEnv(**kwargs)


def test_registration_is_idempotent():
    register_gridworld()
    import importlib

    importlib.reload(dl_lab.rl)
    assert gym.spec(GRIDWORLD_ID).max_episode_steps == 100


def test_greedy_path_follows_the_table_and_stops_on_loops():
    env = GridWorldEnv()
    q = np.zeros((9, 4))
    q[[0, 3], DOWN] = q[[6, 7], RIGHT] = 1.0
    assert env.greedy_path(q) == [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2)]
    q_loop = np.zeros((9, 4))
    q_loop[0, UP] = 1.0
    assert env.greedy_path(q_loop) == [(0, 0), (0, 0)]

"""Reward shaping (4.17): PBRS keeps the optimal policy; the -Δd heuristic with gamma < 1 may not."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.gridworld import GridWorldEnv
from dl_lab.rl.shaping import (
    POTENTIALS,
    maze_distances,
    policy_sweep,
    shaped_model,
    shaping_wrapper,
    trap_layout,
)

DOWN, RIGHT = 1, 3


def _shaped_episode(kind: str, gamma: float, actions: list[int], **layout):
    """Raw and shaped rewards of one scripted episode, and the potentials on the way."""
    env = EnvFactory(GRIDWORLD_ID, layout).with_wrappers(
        shaping_wrapper(kind, "manhattan", gamma)
    )()
    phi = POTENTIALS.build("manhattan", env=env, scale=1.0)
    obs, _ = env.reset(seed=0)
    potentials, shaped, info = [phi(obs)], [], {}
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        potentials.append(phi(obs))
        shaped.append(reward)
    return shaped, potentials, terminated, info


def test_potential_based_shaping_telescopes_to_minus_phi_of_the_start():
    gamma = 0.9
    shaped, potentials, terminated, info = _shaped_episode(
        "potential", gamma, [DOWN, DOWN, RIGHT, RIGHT]
    )
    raw = [-1.0, -1.0, -1.0, 10.0]
    assert terminated and info["episode"]["r"] == sum(raw)  # statistics report the raw reward
    discounted = sum(gamma**t * (s - r) for t, (s, r) in enumerate(zip(shaped, raw, strict=True)))
    assert discounted == pytest.approx(-potentials[0])  # Phi(terminal) counts as 0


def test_truncation_keeps_the_potential_of_the_last_state():
    gamma = 0.9
    shaped, potentials, terminated, _ = _shaped_episode(
        "potential", gamma, [DOWN, DOWN], size=(5, 5), goal=(4, 4), max_episode_steps=2
    )
    assert not terminated
    assert shaped[-1] - (-1.0) == pytest.approx(gamma * potentials[-1] - potentials[-2])


def test_the_heuristic_equals_pbrs_only_without_discount():
    grid = GridWorldEnv(size=(4, 4), goal=(3, 3), walls=[(1, 1)])
    phi = POTENTIALS.build("manhattan", env=grid)
    model = grid.transition_model()
    for gamma, same in ((1.0, True), (0.9, False)):
        pbrs = shaped_model(model, phi, "potential", gamma)
        heuristic = shaped_model(model, phi, "difference", gamma)
        rewards = [
            (o1[2], o2[2])
            for s in model
            for a in model[s]
            for o1, o2 in zip(pbrs[s][a], heuristic[s][a], strict=True)
        ]
        assert np.allclose(*zip(*rewards, strict=True)) is same


def test_pbrs_keeps_the_optimal_policy_and_the_heuristic_changes_it_on_the_trap():
    rows = policy_sweep(
        trap_layout(), ["manhattan", "maze_distance"], [1.0, 10.0], [0.8, 0.9, 0.99]
    )
    for row in rows:
        if row["shaping"] in ("none", "potential") or row["potential"] == "maze_distance":
            assert row["reaches_goal"] and row["optimal_action_share"] == 1.0, row
    flipped = {
        (r["gamma"], r["scale"])
        for r in rows
        if r["shaping"] == "difference" and not r["reaches_goal"]
    }
    assert flipped == {(0.8, 1.0), (0.8, 10.0), (0.9, 10.0)}  # the pit, one step from the start
    pit = [r for r in rows if (r["gamma"], r["scale"], r["shaping"]) == (0.8, 1.0, "difference")]
    assert pit[0]["path_end"] == "(0, 1)" and pit[0]["path_length"] == 1


def test_maze_distance_goes_around_walls():
    distances = maze_distances(GridWorldEnv(**trap_layout(rows=3)))
    assert distances[(0, 3)] == 1 and distances[(0, 0)] == 2 * 3 + 2
    assert (0, 2) not in distances  # a wall


def test_mountaincar_energy_potential():
    env = gym.make("MountainCar-v0")
    phi = POTENTIALS.build("mountaincar_energy", env=env, scale=100.0)
    assert phi(np.array([0.5, 0.0])) == pytest.approx(100.0)  # at rest on the goal's height
    assert phi(np.array([-np.pi / 6, 0.0])) == pytest.approx(0.0, abs=1e-9)  # valley floor
    assert phi(np.array([-0.5, 0.05])) > phi(np.array([-0.5, 0.0]))


def test_unknown_shaping_or_potential_fails_clearly():
    with pytest.raises(
        KeyError, match="unknown shaping 'pbrs'; available: difference, none, potential"
    ):
        shaping_wrapper("pbrs", "manhattan", 0.9)
    with pytest.raises(KeyError, match="unknown potential 'euclid'"):
        shaping_wrapper("potential", "euclid", 0.9)
    with pytest.raises(TypeError, match="needs GridWorld"):
        POTENTIALS.build("manhattan", env=gym.make("CartPole-v1"))

"""Reward shaping (question 4.17): potential-based shaping and the course's -Δd heuristic.

Potential-based reward shaping (PBRS; Ng, Harada & Russell 1999) adds
F(s, s') = gamma * Phi(s') - Phi(s), with Phi = 0 at terminal states, and leaves the optimal
policy unchanged. The course's heuristic r + (d(s) - d(s')) is Phi(s') - Phi(s) for
Phi = -d: it equals PBRS only when gamma = 1. For gamma < 1 the difference,
-(1 - gamma) d(s'), is a distance-dependent reward of its own, and it can change the optimal
policy; :func:`trap_layout` is a grid where it does.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from dl_lab.registry import Registry
from dl_lab.rl.gridworld import GridWorldEnv
from dl_lab.rl.tabular import Model, optimal_actions, policy_agreement, value_iteration

Potential = Callable[[Any], float]
"""Phi(observation)."""

POTENTIALS: Registry[Potential] = Registry("potential")
SHAPINGS: Registry[float] = Registry("shaping")


def _gridworld(env: gym.Env, potential: str) -> GridWorldEnv:
    grid = env.unwrapped
    if not isinstance(grid, GridWorldEnv):
        raise TypeError(f"the {potential} potential needs GridWorld, not {type(grid).__name__}")
    return grid


@POTENTIALS.register("manhattan")
def manhattan_potential(env: gym.Env, scale: float = 1.0) -> Potential:
    """Phi(s) = -scale * (Manhattan distance from the cell of s to the goal), for GridWorld."""
    grid = _gridworld(env, "manhattan")

    def phi(obs: Any) -> float:
        row, col = grid.cell_of(int(obs))
        return -scale * (abs(row - grid.goal[0]) + abs(col - grid.goal[1]))

    return phi


def maze_distances(grid: GridWorldEnv) -> dict[tuple[int, int], int]:
    """Shortest-path steps from every cell to the goal around walls (breadth-first search).

    Paths do not pass through other terminal cells; a cell with no path is left out.
    """
    distances, frontier = {grid.goal: 0}, deque([grid.goal])
    while frontier:
        cell = frontier.popleft()
        if cell != grid.goal and grid.is_terminal(cell):
            continue  # an episode ends here: no path continues through it
        for action in range(grid.action_space.n):
            nxt = grid.move(cell, action)
            if nxt not in distances:
                distances[nxt] = distances[cell] + 1
                frontier.append(nxt)
    return distances


@POTENTIALS.register("maze_distance")
def maze_potential(env: gym.Env, scale: float = 1.0) -> Potential:
    """Phi(s) = -scale * (shortest-path steps to the goal around the walls), for GridWorld."""
    grid = _gridworld(env, "maze_distance")
    distances = maze_distances(grid)
    farthest = max(distances.values()) + 1
    return lambda obs: -scale * distances.get(grid.cell_of(int(obs)), farthest)


@POTENTIALS.register("mountaincar_energy")
def mountaincar_energy(env: gym.Env, scale: float = 1.0) -> Potential:
    """Phi(s) = scale * E(s) / E_top: mechanical energy, 1 at rest on the goal's height.

    MountainCar's velocity update has the slope term -gravity * cos(3x), the derivative of
    U(x) = gravity * sin(3x) / 3, so E = v^2 / 2 + U(x) - U(valley floor) is the energy the
    car has gathered (Sutton & Barto's car; Moore 1990).
    """
    car = env.unwrapped
    gravity, goal = float(car.gravity), float(car.goal_position)

    def energy(x: float, v: float) -> float:
        return 0.5 * v * v + gravity * (np.sin(3 * x) + 1.0) / 3  # U(valley floor) = -g / 3

    top = energy(goal, 0.0)
    return lambda obs: scale * energy(float(obs[0]), float(obs[1])) / top


ShapingTerm = Callable[[float, float, bool, float], float]
"""F(Phi(s), Phi(s'), terminated, gamma): what a kind of shaping adds to the reward."""


@SHAPINGS.register("none")
def no_shaping(phi: float, phi_next: float, terminated: bool, gamma: float) -> float:
    """The raw reward."""
    return 0.0


@SHAPINGS.register("potential")
def potential_based(phi: float, phi_next: float, terminated: bool, gamma: float) -> float:
    """gamma * Phi(s') - Phi(s) with Phi = 0 at a terminal state (Ng et al. 1999)."""
    return gamma * (0.0 if terminated else phi_next) - phi


@SHAPINGS.register("difference")
def potential_difference(phi: float, phi_next: float, terminated: bool, gamma: float) -> float:
    """Phi(s') - Phi(s), undiscounted: the course's -Δd heuristic when Phi = -d."""
    return phi_next - phi


class ShapedReward(gym.Wrapper):
    """Adds ``term(Phi(s), Phi(s'), terminated, gamma)`` to every reward.

    A truncated episode is not at a terminal state, so it keeps Phi(s').
    """

    def __init__(self, env: gym.Env, potential: Potential, term: ShapingTerm, gamma: float):
        super().__init__(env)
        self.potential, self.term, self.gamma = potential, term, gamma
        self._phi = 0.0

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self._phi = self.potential(obs)
        return obs, info

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        phi_next = self.potential(obs)
        shaped = float(reward) + self.term(self._phi, phi_next, terminated, self.gamma)
        self._phi = phi_next
        return obs, shaped, terminated, truncated, info


@dataclass(frozen=True)
class ShapingWrapper:
    """A wrapper for :class:`~dl_lab.rl.envs.EnvFactory`: ``kind`` of shaping with the
    registered ``potential``, built on each environment it wraps. Plain data, so an
    environment factory that holds it can be sent to a worker process."""

    kind: str
    potential: str
    gamma: float
    scale: float = 1.0

    def __call__(self, env: gym.Env) -> gym.Env:
        phi = POTENTIALS.build(self.potential, env=env, scale=self.scale)
        return ShapedReward(env, phi, SHAPINGS.get(self.kind), self.gamma)


def shaping_wrapper(kind: str, potential: str, gamma: float, scale: float = 1.0) -> ShapingWrapper:
    """The :class:`ShapingWrapper` of ``kind`` and ``potential``; both names are checked now,
    not when the env is made."""
    SHAPINGS.check(kind)
    POTENTIALS.check(potential)
    return ShapingWrapper(kind, potential, gamma, scale)


def shaped_model(model: Model, potential: Callable[[int], float], kind: str, gamma: float) -> Model:
    """The transition model with shaped rewards, for value iteration on the shaped task."""
    term = SHAPINGS.get(kind)
    return {
        s: {
            a: [
                (p, s2, r + term(potential(s), potential(s2), done, gamma), done)
                for p, s2, r, done in outcomes
            ]
            for a, outcomes in actions.items()
        }
        for s, actions in model.items()
    }


def trap_layout(rows: int = 8) -> dict[str, Any]:
    """GridWorld kwargs: the goal lies behind a long wall, a pit lies one step toward it.

    Sparse reward (+100 at the goal, 0 elsewhere, 0 in the pit). The only way to the goal is
    a detour of ``2 * rows + 2`` steps that starts by moving *away* from it; the pit is the one move that
    gets closer at once. Under -Δd with gamma < 1 the discounted penalty of the early
    moves away outweighs the late gains, and the pit can become the optimal choice.
    """
    if rows < 2:
        raise ValueError(f"trap_layout rows={rows} must be at least 2")
    return {
        "size": (rows, 5),
        "start": (0, 0),
        "goal": (0, 4),
        "walls": tuple((r, 2) for r in range(rows - 1)),
        "terminals": ((0, 1, 0.0),),
        "goal_reward": 100.0,
        "step_reward": 0.0,
    }


def policy_sweep(
    layout: dict[str, Any], potentials: list[str], scales: list[float], gammas: list[float]
) -> list[dict[str, Any]]:
    """Value iteration on the raw and the shaped grid for every potential, scale and gamma.

    Each row says where the shaped task's greedy policy leads from the start, and on what
    share of the states it picks an action that is optimal for the *raw* task.
    """
    grid = GridWorldEnv(**layout)
    model = grid.transition_model()
    states = [s for s in range(grid.observation_space.n) if model[s][0]]  # non-terminal
    rows = []
    for gamma in gammas:
        raw_optimal = optimal_actions(value_iteration(model, gamma)[1])
        for name, scale, kind in itertools.product(potentials, scales, SHAPINGS.available()):
            phi = POTENTIALS.build(name, env=grid, scale=scale)
            _, q = value_iteration(shaped_model(model, phi, kind, gamma), gamma)
            path = grid.greedy_path(q)
            rows.append(
                {
                    "gamma": gamma,
                    "potential": name,
                    "scale": scale,
                    "shaping": kind,
                    "path_length": len(path) - 1,
                    "path_end": str(path[-1]),
                    "reaches_goal": path[-1] == grid.goal,
                    "optimal_action_share": policy_agreement(q, raw_optimal, states),
                }
            )
    return rows

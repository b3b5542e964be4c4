"""Tabular methods: value iteration on a known model, Q-learning from experience (4.18).

Value iteration (Bellman 1957; Sutton & Barto 2018, §4.4) gives the optimal values that
Q-learning (Watkins 1989) is checked against. Q-learning runs on any environment with a
``Discrete`` observation space: GridWorld, or MountainCar behind ``DiscretizeObservation``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, field
from typing import Any

import numpy as np
import torch
from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from dl_lab.rl.common import EpisodeLog, Logger, Policy, TrainResult, seed_everything
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.exploration import ExplorationConfig, make_chooser

Model = dict[int, dict[int, list[tuple[float, int, float, bool]]]]


def value_iteration(
    model: Model, gamma: float, theta: float = 1e-10, max_sweeps: int = 10_000
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal state values ``V`` (S,) and action values ``Q`` (S, A) of a known model."""
    n_states, n_actions = len(model), len(model[0])
    values = np.zeros(n_states)
    for _ in range(max_sweeps):
        q = action_values_from(model, values, gamma, n_actions)
        new = q.max(axis=1)
        delta = np.abs(new - values).max()
        values = new
        if delta < theta:
            return values, q
    raise RuntimeError(f"value iteration did not converge in {max_sweeps} sweeps (gamma={gamma})")


def action_values_from(
    model: Model, values: np.ndarray, gamma: float, n_actions: int
) -> np.ndarray:
    """One Bellman backup: Q(s, a) = sum_s' p (r + gamma * V(s') * (1 - terminal))."""
    q = np.zeros((len(model), n_actions))
    for s, actions in model.items():
        for a, outcomes in actions.items():
            q[s, a] = sum(p * (r + gamma * values[s2] * (not done)) for p, s2, r, done in outcomes)
    return q


def optimal_actions(q: np.ndarray, tol: float = 1e-6) -> list[set[int]]:
    """For each state, every action within ``tol`` of the best one."""
    return [set(np.flatnonzero(row >= row.max() - tol).tolist()) for row in q]


def policy_agreement(q: np.ndarray, optimal: list[set[int]], states: list[int]) -> float:
    """Share of ``states`` where the arg max of ``q`` is an optimal action."""
    return float(np.mean([int(q[s].argmax()) in optimal[s] for s in states]))


@dataclass(frozen=True, kw_only=True, config=ConfigDict(extra="forbid"))
class QLearningConfig:
    """Hyperparameters of one tabular Q-learning run."""

    seed: int
    """seeds numpy, the exploration and ``env.reset``"""
    episodes: int = Field(500, ge=1)
    """training episodes"""
    learning_rate: float = Field(0.1, gt=0, le=1)
    """step size alpha of the update Q <- Q + alpha (target - Q)"""
    gamma: float = Field(0.9, ge=0, le=1)
    """discount factor"""
    initial_q: float = 0.0
    """initial value of every Q(s, a) (optimistic values explore on their own)"""
    exploration: ExplorationConfig = field(default_factory=ExplorationConfig)
    """behaviour policy; its schedule runs over the episodes"""


def greedy_table_policy(q_table: np.ndarray) -> Policy:
    """Arg max of the Q-table rows for a batch of integer observations."""
    return lambda obs: q_table[np.asarray(obs, dtype=np.int64)].argmax(axis=1)


def load_policy(config: QLearningConfig, state: dict[str, Any], **_: Any) -> Policy:
    """The greedy policy of a saved Q-table."""
    return greedy_table_policy(state["q_table"].numpy())


def _run_episode(env, q, choose, config, progress, rng, seed) -> tuple[int, bool, dict]:
    """One episode of Q-learning updates; returns steps, success and the last info."""
    obs, _ = env.reset(seed=seed)
    steps, done = 0, False
    while not done:
        action = choose(lambda s=obs: q[s], progress, rng)
        next_obs, reward, terminated, truncated, info = env.step(action)
        # a truncated episode is cut short, not ended: its target still bootstraps
        target = reward + (0.0 if terminated else config.gamma * q[next_obs].max())
        q[obs, action] += config.learning_rate * (target - q[obs, action])
        obs, steps, done = next_obs, steps + 1, terminated or truncated
    return steps, bool(info.get("is_success", terminated)), info


def train(config: QLearningConfig, env_fn: EnvFactory, log: Logger) -> TrainResult:
    """Q-learning; logs ``episode_return`` (the environment's reward) per episode."""
    rng = seed_everything(config.seed)
    start, env = time.perf_counter(), env_fn()
    n_states, n_actions = int(env.observation_space.n), int(env.action_space.n)
    q = np.full((n_states, n_actions), config.initial_q, dtype=np.float64)
    choose = make_chooser(config.exploration, n_actions)
    episodes, env_steps, first_success = EpisodeLog(log), 0, None
    for episode in range(config.episodes):
        seed = config.seed if episode == 0 else None
        steps, success, info = _run_episode(
            env, q, choose, config, episode / config.episodes, rng, seed
        )
        env_steps += steps
        if success and first_success is None:
            first_success = env_steps
        episodes.record(info["episode"]["r"], info["episode"]["l"])
    env.close()
    return TrainResult(
        algorithm="q_learning",
        config=asdict(config),
        episode_returns=episodes.returns,
        episode_lengths=episodes.lengths,
        state={"q_table": torch.from_numpy(q)},
        env_steps=env_steps,
        wall_time_s=time.perf_counter() - start,
        extras={"first_success_step": first_success},
    )

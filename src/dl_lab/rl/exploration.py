"""Action selection from action values: greedy, epsilon-greedy (fixed or decaying), Boltzmann.

One chooser serves tabular Q-learning and DQN (questions 4.3, 4.25). A chooser receives
``q_values`` as a thunk so that an epsilon-greedy step that explores never pays for a
forward pass. Ties in the greedy choice are broken at random (Sutton & Barto 2018, §2.2),
which matters for a zero-initialized Q-table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass

from dl_lab.registry import Registry
from dl_lab.rl.common import linear_schedule

QValues = Callable[[], np.ndarray]
Chooser = Callable[[QValues, float, np.random.Generator], int]
"""``choose(q_values, progress, rng) -> action``; ``progress`` runs from 0 to 1 over training."""

STRATEGIES: Registry[Chooser] = Registry("exploration strategy")


@dataclass(frozen=True, kw_only=True, config=ConfigDict(extra="forbid"))
class ExplorationConfig:
    """How an agent picks actions from its action values while it learns."""

    strategy: str = "epsilon_decay"
    """greedy | epsilon_fixed | epsilon_decay | boltzmann"""
    epsilon: float = Field(0.1, ge=0, le=1)
    """the exploration rate of ``epsilon_fixed``"""
    epsilon_start: float = Field(1.0, ge=0, le=1)
    """the first exploration rate of ``epsilon_decay``"""
    epsilon_end: float = Field(0.05, ge=0, le=1)
    """the exploration rate ``epsilon_decay`` reaches and keeps"""
    fraction: float = Field(0.5, gt=0, le=1)
    """the share of training over which epsilon (or the temperature) decays linearly"""
    temperature_start: float = Field(1.0, gt=0)
    """the first temperature of ``boltzmann`` (in units of the action values)"""
    temperature_end: float = Field(0.05, gt=0)
    """the temperature ``boltzmann`` reaches and keeps"""

    @field_validator("strategy")
    @classmethod
    def _known(cls, name: str) -> str:
        return STRATEGIES.check(name)


def greedy_action(q_values: np.ndarray, rng: np.random.Generator) -> int:
    """The arg max of ``q_values``, ties broken uniformly at random."""
    best = np.flatnonzero(q_values == q_values.max())
    return int(best[0] if len(best) == 1 else rng.choice(best))


def epsilon_at(config: ExplorationConfig, progress: float) -> float:
    """The exploration rate at ``progress`` (0 for strategies without one)."""
    if config.strategy == "epsilon_fixed":
        return config.epsilon
    if config.strategy == "epsilon_decay":
        return linear_schedule(config.epsilon_start, config.epsilon_end, config.fraction, progress)
    return 0.0


def temperature_at(config: ExplorationConfig, progress: float) -> float:
    """The Boltzmann temperature at ``progress``."""
    return linear_schedule(
        config.temperature_start, config.temperature_end, config.fraction, progress
    )


def boltzmann_probabilities(q_values: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(q / temperature), computed stably."""
    logits = (q_values - q_values.max()) / temperature
    weights = np.exp(logits)
    return weights / weights.sum()


def make_chooser(config: ExplorationConfig, n_actions: int) -> Chooser:
    """The action-selection rule named by ``config.strategy``."""
    return STRATEGIES.build(config.strategy, config=config, n_actions=n_actions)


@STRATEGIES.register("greedy")
def _greedy(config: ExplorationConfig, n_actions: int) -> Chooser:
    return lambda q_values, progress, rng: greedy_action(q_values(), rng)


def _epsilon_greedy(config: ExplorationConfig, n_actions: int) -> Chooser:
    def choose(q_values: QValues, progress: float, rng: np.random.Generator) -> int:
        if rng.random() < epsilon_at(config, progress):
            return int(rng.integers(n_actions))
        return greedy_action(q_values(), rng)

    return choose


STRATEGIES.register("epsilon_fixed")(_epsilon_greedy)
STRATEGIES.register("epsilon_decay")(_epsilon_greedy)


@STRATEGIES.register("boltzmann")
def _boltzmann(config: ExplorationConfig, n_actions: int) -> Chooser:
    def choose(q_values: QValues, progress: float, rng: np.random.Generator) -> int:
        probs = boltzmann_probabilities(q_values(), temperature_at(config, progress))
        return int(rng.choice(n_actions, p=probs))

    return choose

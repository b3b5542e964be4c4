"""Action selection: greedy, epsilon-greedy (fixed, decaying) and Boltzmann (4.3, 4.25)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from dl_lab.registry import UnknownNameError
from dl_lab.rl.exploration import (
    ExplorationConfig,
    boltzmann_probabilities,
    epsilon_at,
    greedy_action,
    make_chooser,
    temperature_at,
)


def _frequencies(
    config: ExplorationConfig, q: np.ndarray, progress: float, n: int = 4000
) -> np.ndarray:
    choose, rng = make_chooser(config, len(q)), np.random.default_rng(0)
    actions = [choose(lambda: q, progress, rng) for _ in range(n)]
    return np.bincount(actions, minlength=len(q)) / n


def test_greedy_breaks_ties_at_random():
    rng = np.random.default_rng(0)
    picks = {greedy_action(np.array([1.0, 3.0, 3.0, 0.0]), rng) for _ in range(50)}
    assert picks == {1, 2}


def test_epsilon_schedules():
    decay = ExplorationConfig(
        strategy="epsilon_decay", epsilon_start=1.0, epsilon_end=0.1, fraction=0.5
    )
    assert [epsilon_at(decay, p) for p in (0.0, 0.25, 0.5, 1.0)] == pytest.approx(
        [1.0, 0.55, 0.1, 0.1]
    )
    fixed = ExplorationConfig(strategy="epsilon_fixed", epsilon=0.2)
    assert epsilon_at(fixed, 0.0) == epsilon_at(fixed, 1.0) == 0.2
    assert epsilon_at(ExplorationConfig(strategy="boltzmann"), 0.0) == 0.0


def test_epsilon_greedy_explores_at_its_rate():
    q = np.array([0.0, 1.0, 0.0, 0.0])
    freq = _frequencies(ExplorationConfig(strategy="epsilon_fixed", epsilon=0.4), q, progress=0.5)
    assert freq[1] == pytest.approx(0.6 + 0.4 / 4, abs=0.03)
    assert _frequencies(ExplorationConfig(strategy="greedy"), q, 0.0)[1] == 1.0


def test_boltzmann_follows_the_softmax_and_anneals():
    q = np.array([0.0, 1.0])
    config = ExplorationConfig(
        strategy="boltzmann", temperature_start=1.0, temperature_end=0.05, fraction=1.0
    )
    assert temperature_at(config, 0.5) == pytest.approx(0.525)
    expected = boltzmann_probabilities(q, 1.0)
    assert expected[1] == pytest.approx(np.e / (1 + np.e))
    assert _frequencies(config, q, progress=0.0)[1] == pytest.approx(expected[1], abs=0.03)
    assert _frequencies(config, q, progress=1.0)[1] > 0.99  # near greedy when cold
    assert np.isfinite(boltzmann_probabilities(np.array([1e4, 0.0]), 0.01)).all()


def test_unknown_strategy_and_bad_rate_fail_clearly():
    with pytest.raises(
        UnknownNameError, match="unknown exploration strategy 'softmax'; available: boltzmann"
    ):
        ExplorationConfig(strategy="softmax")
    with pytest.raises(ValidationError, match="epsilon"):
        ExplorationConfig(epsilon=1.5)

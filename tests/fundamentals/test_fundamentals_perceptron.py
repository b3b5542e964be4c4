"""The perceptron learning rule: convergence, Novikoff's bound, and XOR non-convergence."""

import numpy as np
import pytest

from dl_lab.fundamentals.neurons import GATE_TARGETS
from dl_lab.fundamentals.perceptron import (
    novikoff_bound,
    predict,
    separable_data,
    train_perceptron,
)
from dl_lab.fundamentals.xor import XOR_X, XOR_Y


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
def test_perceptron_learns_separable_gates(gate):
    y = np.array(GATE_TARGETS[gate])
    result = train_perceptron(XOR_X, y, lr=1.0, max_epochs=50)
    assert result.converged and result.epochs < 50
    assert result.accuracy == 1.0
    assert result.mistakes_per_epoch[-1] == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_updates_stay_within_novikoff_bound(seed):
    rng = np.random.default_rng(seed)
    x, y, w_true, b_true = separable_data(150, 3, margin=0.1, rng=rng)
    result = train_perceptron(x, y, lr=0.5, max_epochs=1000, rng=rng)
    assert result.converged
    assert np.array_equal(predict(result.weights, result.bias, x), y)
    assert result.updates <= novikoff_bound(x, y, w_true, b_true)


def test_perceptron_on_xor_stops_at_the_epoch_limit_and_says_so():
    result = train_perceptron(XOR_X, XOR_Y.astype(int), lr=1.0, max_epochs=37)
    assert not result.converged
    assert result.epochs == 37
    assert all(m > 0 for m in result.mistakes_per_epoch)
    assert result.accuracy <= 0.75  # no line gets more than 3 of the 4 points


def test_perceptron_rejects_bad_data():
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        train_perceptron(XOR_X, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match=r"x \(n, d\) and y \(n,\)"):
        train_perceptron(XOR_X, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="does not separate"):
        novikoff_bound(XOR_X, XOR_Y.astype(int), np.array([1.0, 1.0]), -0.5)

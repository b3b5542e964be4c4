"""Hebbian learning vs the delta rule on a linear associative memory (2.19)."""

import numpy as np
import pytest

from dl_lab.fundamentals.hebbian import bit_error_rate, delta_rule, hebbian, patterns


def _pairs(kind, count, rng, correlation=0.6):
    return patterns(kind, count, 32, rng, correlation), rng.choice([-1.0, 1.0], size=(count, 8))


def test_hebb_rule_stores_the_input_output_correlation():
    rng = np.random.default_rng(0)
    x, y = _pairs("random", 6, rng)
    learned = hebbian(x, y, lr=0.1, epochs=3)
    np.testing.assert_allclose(learned.weights, 0.1 * 3 * y.T @ x, atol=1e-12)


def test_both_rules_recall_orthogonal_patterns_perfectly():
    rng = np.random.default_rng(1)
    x, y = _pairs("orthogonal", 16, rng)
    assert np.allclose(x @ x.T, 32 * np.eye(16))
    assert bit_error_rate(hebbian(x, y, 0.1, 1).weights, x, y) == 0
    assert bit_error_rate(delta_rule(x, y, 0.5, 20).weights, x, y) == 0


def test_hebb_fails_on_correlated_patterns_where_the_delta_rule_succeeds():
    rng = np.random.default_rng(2)
    x, y = _pairs("correlated", 8, rng)
    assert bit_error_rate(hebbian(x, y, 0.1, 20).weights, x, y) > 0.05
    learned = delta_rule(x, y, 1.0, 200)
    assert bit_error_rate(learned.weights, x, y) == 0
    least_squares = y.T @ np.linalg.pinv(x).T
    np.testing.assert_allclose(learned.weights, least_squares, atol=1e-6)


def test_hebbian_weights_grow_without_bound_while_the_delta_rule_settles():
    rng = np.random.default_rng(3)
    x, y = _pairs("random", 8, rng)
    hebb = hebbian(x, y, 0.1, 30).weight_norms
    np.testing.assert_allclose(np.diff(hebb), hebb[0], rtol=1e-9)  # linear growth per epoch
    delta = delta_rule(x, y, 1.0, 60).weight_norms
    assert abs(delta[-1] - delta[-2]) < 1e-9 * delta[-1]


def test_bad_inputs_raise():
    rng = np.random.default_rng(4)
    with pytest.raises(ValueError, match="power of 2"):
        patterns("orthogonal", 4, 24, rng)
    with pytest.raises(ValueError, match="unknown pattern kind 'sparse'"):
        patterns("sparse", 4, 32, rng)
    with pytest.raises(ValueError, match=r"0 < lr < 2"):
        delta_rule(np.ones((2, 3)), np.ones((2, 1)), 2.5, 1)
    with pytest.raises(ValueError, match="equal P"):
        hebbian(np.ones((2, 3)), np.ones((3, 1)), 0.1, 1)

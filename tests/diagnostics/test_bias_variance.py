"""Bias-variance: the decomposition adds up, and complexity moves bias and variance."""

from __future__ import annotations

import numpy as np
import pytest

from dl_lab.diagnostics.bias_variance import (
    RegressionProblem,
    minimum_of,
    mlp_width_sweep,
    polynomial_fitter,
    sweep,
    training_sets,
    zero_one_decomposition,
)

PROBLEM = RegressionProblem(n_train=30, sigma=0.3, n_grid=100, test_draws=20)


@pytest.fixture(scope="module")
def poly():
    return sweep(PROBLEM, {d: polynomial_fitter(d) for d in range(0, 10)}, k=40,
                 sampling="fresh", seed=0)  # fmt: skip


def test_bias2_plus_variance_plus_noise_is_the_measured_error(poly):
    assert np.allclose(poly["sum"], poly["expected_test_mse"], rtol=0.05)
    assert poly["noise"].tolist() == pytest.approx([0.09] * len(poly))


def test_complexity_trades_bias_for_variance(poly):
    low, high = poly.iloc[0], poly.iloc[-1]
    assert low["bias2"] > low["variance"]  # a constant cannot follow a sine: bias
    assert high["variance"] > high["bias2"]  # degree 9 on 30 points: variance
    best = minimum_of(poly)["complexity"]
    assert 3 <= best <= 6  # the U's minimum lies inside, not at an end
    mse = poly.set_index("complexity")["expected_test_mse"]
    assert mse[best] < min(mse[0], mse[9])


def test_bootstrap_sets_resample_one_draw():
    sets = training_sets(PROBLEM, 3, "bootstrap", seed=0)
    pooled = set(np.concatenate([x for x, _ in sets]).round(12))
    assert len(pooled) <= PROBLEM.n_train  # every point comes from the same 30
    with pytest.raises(ValueError, match="sampling"):
        training_sets(PROBLEM, 3, "jackknife", seed=0)
    with pytest.raises(ValueError, match="at least 2"):
        training_sets(PROBLEM, 1, "fresh", seed=0)


def test_mlp_width_sweep_adds_up():
    table = mlp_width_sweep(PROBLEM, [1, 8], k=3, sampling="bootstrap", seed=0, steps=100)
    assert np.allclose(table["sum"], table["expected_test_mse"], rtol=0.1)
    assert list(table["complexity"]) == [1, 8]


def test_zero_one_decomposition_is_exact():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 200)
    predictions = np.where(rng.random((7, 200)) < 0.6, labels, rng.integers(0, 3, (7, 200)))
    parts = zero_one_decomposition(predictions, labels)
    assert parts["loss"] == pytest.approx(parts["bias"] + parts["net_variance"])
    assert parts["variance"] == pytest.approx(parts["variance_unbiased"] + parts["variance_biased"])


def test_zero_one_by_hand():
    labels = np.array([0, 1])
    predictions = np.array([[0, 2], [0, 2], [1, 1]])  # point 0 unbiased, point 1 biased
    parts = zero_one_decomposition(predictions, labels)
    assert parts["bias"] == pytest.approx(0.5)
    assert parts["variance"] == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert parts["loss"] == pytest.approx((1 / 3 + 2 / 3) / 2)
    # point 1: c = -P(pred = y | pred != main) = -1, so variance lowers its loss by 1/3
    assert parts["net_variance"] == pytest.approx((1 / 3 - 1 / 3) / 2)

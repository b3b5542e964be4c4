"""Losses: the corrected Huber form, saturation gradients, robustness to outliers."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dl_lab.diagnostics.losses import (
    RobustRegression,
    huber,
    log_cosh,
    mse_on_probabilities,
    robust_regression,
    saturation_gradients,
)


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_is_the_correct_form(delta):
    e = torch.linspace(-6, 6, 121)
    reference = F.huber_loss(e, torch.zeros_like(e), reduction="none", delta=delta)
    assert torch.allclose(huber(e, delta), reference)
    assert float(huber(torch.tensor(3.0), 1.0)) == pytest.approx(1.0 * (3 - 0.5))  # not 3 - 1/2


def test_log_cosh_is_stable():
    e = torch.linspace(-10, 10, 41, dtype=torch.float64)
    assert torch.allclose(log_cosh(e), torch.log(torch.cosh(e)))
    assert math.isfinite(float(log_cosh(torch.tensor(1000.0))))


def test_course_2_17_gradients_with_the_correct_sign():
    table = saturation_gradients([0.9, 0.1]).set_index("y_hat")
    assert table.loc[0.1, "mse_grad"] == pytest.approx(-0.081)  # (y_hat - y) y_hat (1 - y_hat)
    assert table.loc[0.1, "ce_grad"] == pytest.approx(-0.9)  # y_hat - y
    assert table.loc[0.9, "mse_grad"] == pytest.approx(-0.009)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        saturation_gradients([1.0])


def test_mse_on_probabilities_is_zero_for_perfect_confident_predictions():
    logits = torch.tensor([[50.0, 0.0], [0.0, 50.0]])
    assert float(mse_on_probabilities(logits, torch.tensor([0, 1]))) == pytest.approx(0.0, abs=1e-9)


def test_mae_resists_outliers_that_pull_mse():
    problem = RobustRegression(n_train=200, n_test=200, steps=400)
    table = robust_regression(problem, ["mse", "mae", "huber"], [0.0, 0.2], seeds=[0, 1])
    assert len(table) == 2 * 2 * 3 and set(table["seed"]) == {0, 1}
    assert table.groupby(["outlier_fraction", "loss"])["test_rmse"].nunique().eq(2).all()
    table = table[table["seed"] == 0]
    dirty = table[table["outlier_fraction"] == 0.2].set_index("loss")
    clean = table[table["outlier_fraction"] == 0.0].set_index("loss")
    assert dirty.loc["mse", "intercept"] > 3.0  # 20% of targets +20 pulls the mean up by ~4
    assert abs(dirty.loc["mae", "intercept"] - 1.0) < 0.5
    assert dirty.loc["huber", "test_rmse"] < dirty.loc["mse", "test_rmse"]
    assert clean.loc["mse", "test_rmse"] == pytest.approx(problem.sigma, rel=0.2)

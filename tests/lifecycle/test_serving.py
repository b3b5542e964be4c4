"""Serving helpers: input checks and the scores shared by retraining and inference."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_lab.lifecycle.serving import (
    InputShapeError,
    check_input_shape,
    check_unit_range,
    predict_proba,
    score,
)


def test_input_shape_must_match_the_signature():
    check_input_shape((5, 1, 28, 28), (-1, 1, 28, 28), "model 'm' v1")
    with pytest.raises(
        InputShapeError, match=r"shape \(5, 1, 8, 8\) but model 'm' v1 expects \(N, 1, 28, 28\)"
    ):
        check_input_shape((5, 1, 8, 8), (-1, 1, 28, 28), "model 'm' v1")
    with pytest.raises(InputShapeError):
        check_input_shape((5, 28, 28), (-1, 1, 28, 28), "model 'm' v1")


def test_values_must_be_scaled_to_unit_range():
    check_unit_range(torch.rand(2, 1, 4, 4), "inputs", 255)
    with pytest.raises(ValueError, match="set pixel_max"):
        check_unit_range(torch.full((1, 1, 2, 2), 2.0), "inputs", 255)
    with pytest.raises(ValueError, match="NaN or Inf"):
        check_unit_range(torch.tensor([float("nan")]), "inputs", 255)


def test_probabilities_and_scores():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
    probs = predict_proba(model, torch.rand(10, 1, 2, 2), batch_size=3)
    assert probs.shape == (10, 3) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    table = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.6, 0.3, 0.1]])
    scores = score(table, np.array([0, 1, 1, 2]))
    assert scores["test_acc"] == 0.5  # exactly correct / n
    assert scores["test_loss"] == pytest.approx(-np.log([0.7, 0.8, 0.3, 0.1]).mean())

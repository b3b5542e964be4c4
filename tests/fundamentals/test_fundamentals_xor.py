"""XOR with MLPs: the course's weights (2.10), success over seeds, and linear collapse (2.2)."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from dl_lab.fundamentals.config import XorParams
from dl_lab.fundamentals.mlp import MLP, ActivationLayer, Dense, build_mlp, single_linear_map
from dl_lab.fundamentals.xor import (
    COURSE_B1,
    COURSE_B2,
    COURSE_W1,
    COURSE_W2,
    XOR_X,
    XOR_Y,
    course_xor_network,
    train_xor_seeds,
)

BASE = Path(__file__).resolve().parents[2] / "conf" / "base" / "parameters_fundamentals.yml"


def test_course_weights_fail_with_rows_as_hidden_units():
    p = course_xor_network("rows").forward(XOR_X).ravel()
    assert p[1] == pytest.approx(0.006, abs=5e-4)  # (0, 1) should be 1
    assert not np.all((p >= 0.5) == (XOR_Y == 1))


def test_course_weights_work_with_columns_as_hidden_units():
    p = course_xor_network("columns").forward(XOR_X).ravel()
    assert np.all((p >= 0.5) == (XOR_Y == 1))
    assert np.abs(p - XOR_Y).max() < 0.01


def test_row_form_equivalent_weights():
    w1 = np.array([[10.0, 10.0], [-10.0, -10.0]])
    assert np.array_equal(w1, COURSE_W1.T)
    net = MLP(
        [
            Dense(w1, COURSE_B1),
            ActivationLayer("sigmoid"),
            Dense(COURSE_W2, COURSE_B2),
            ActivationLayer("sigmoid"),
        ]
    )
    assert np.all((net.forward(XOR_X).ravel() >= 0.5) == (XOR_Y == 1))


def test_orientation_must_be_named():
    with pytest.raises(ValueError, match="'rows' or 'columns'"):
        course_xor_network("diagonal")


def test_2_4_1_solves_xor_in_at_least_90_percent_of_20_seeds_with_the_shipped_config():
    params = XorParams(**yaml.safe_load(BASE.read_text())["fundamentals"]["xor"])
    assert params.n_seeds == 20 and 4 in params.hidden_sizes
    runs = train_xor_seeds(
        4,
        params.n_seeds,
        seed=42,
        activation=params.activation,
        epochs=params.epochs,
        lr=params.lr,
        optimizer=params.optimizer,
        init=params.init,
    )
    assert np.mean([r.solved for r in runs]) >= 0.9


def test_xor_training_is_reproducible_and_seeds_differ():
    a = train_xor_seeds(2, 3, seed=5, epochs=200)
    b = train_xor_seeds(2, 3, seed=5, epochs=200)
    for run_a, run_b in zip(a, b, strict=True):
        np.testing.assert_array_equal(run_a.probabilities, run_b.probabilities)
    assert not np.allclose(a[0].probabilities, a[1].probabilities)


def test_solved_net_has_linearly_separable_hidden_layer():
    run = next(r for r in train_xor_seeds(2, 5, seed=1, epochs=2000) if r.solved)
    h = run.hidden_representation()
    out = run.model.layers[-1]
    logits = h @ out.weight.T + out.bias  # the output unit is a line in hidden space
    assert np.all((logits[:, 0] > 0) == (XOR_Y == 1))


def test_deep_linear_net_collapses_to_one_affine_map():
    rng = np.random.default_rng(0)
    model = build_mlp([3, 5, 4, 2], "identity", rng=rng)
    weight, bias = single_linear_map(model)
    x = rng.normal(size=(10, 3))
    np.testing.assert_allclose(model.forward(x), x @ weight.T + bias, atol=1e-12)
    with pytest.raises(ValueError, match="identity"):
        single_linear_map(build_mlp([3, 5, 2], "tanh", rng=np.random.default_rng(0)))

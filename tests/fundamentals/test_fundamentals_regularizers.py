"""Weight penalties (2.12, L2 counted once; L1 zeros only by prox) and activity sparsity (2.15)."""

import numpy as np
import pytest
import torch

from dl_lab.fundamentals.data import bars, matched_bars, teacher_splits
from dl_lab.fundamentals.losses import get_loss
from dl_lab.fundamentals.mlp import build_mlp
from dl_lab.fundamentals.optimizers import GD, Adam
from dl_lab.fundamentals.regularizers import KLSparsity, L1Activity, WeightPenalty
from dl_lab.fundamentals.training import Objective, fit


def _grads(model, objective, x, y):
    return objective(model, x, y)[2]


def test_l2_adds_two_lambda_w_once():
    rng = np.random.default_rng(0)
    model = build_mlp([3, 4, 1], "tanh", rng=rng)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    plain = _grads(model, Objective(get_loss("mse")), x, y)
    penalized = _grads(model, Objective(get_loss("mse"), WeightPenalty(l2=0.1)), x, y)
    for name, w in model.named_params().items():
        expected = 2 * 0.1 * w if name.endswith("weight") else 0.0  # biases are not penalized
        np.testing.assert_allclose(penalized[name] - plain[name], expected, atol=1e-15)


def _train_with_l1(update):
    rng = np.random.default_rng(1)
    x, y, _, _ = teacher_splits(60, 1, 10, 2, rng)
    model = build_mlp([10, 8, 1], "tanh", rng=rng)
    objective = Objective(
        get_loss("binary_cross_entropy"), WeightPenalty(l1=0.02, l1_update=update)
    )
    fit(model, objective, x, y, GD(0.3), 300)
    return model.dense_layers()[0].weight


def test_l1_gives_exact_zeros_only_with_the_proximal_step():
    proximal, subgradient = _train_with_l1("proximal"), _train_with_l1("subgradient")
    assert np.mean(proximal == 0) > 0.3
    assert np.mean(subgradient == 0) == 0  # plain (sub)gradient steps hop around zero
    assert np.mean(np.abs(subgradient) < 1e-2) > 0.1


def test_kl_sparsity_value_and_gradient_match_torch():
    rng = np.random.default_rng(2)
    a = 1 / (1 + np.exp(-rng.normal(size=(6, 4))))
    penalty = KLSparsity(beta=0.7, rho=0.05)
    at = torch.tensor(a, requires_grad=True)
    rho_hat = at.mean(0)
    kl = 0.7 * (0.05 * torch.log(0.05 / rho_hat) + 0.95 * torch.log(0.95 / (1 - rho_hat))).sum()
    kl.backward()
    assert penalty.value(a) == pytest.approx(kl.item(), rel=1e-12)
    np.testing.assert_allclose(penalty.gradient(a), at.grad.numpy(), rtol=1e-12)
    assert KLSparsity(1.0, 0.2).value(np.full((3, 2), 0.2)) == pytest.approx(0.0, abs=1e-15)


def test_penalty_arguments_are_checked():
    with pytest.raises(ValueError, match=r"rho must lie in \(0, 1\)"):
        KLSparsity(1.0, rho=1.5)
    with pytest.raises(ValueError, match=r"activations in \[0, 1\]"):
        KLSparsity(1.0).value(np.array([[-0.5, 0.2]]))
    with pytest.raises(ValueError, match=">= 0"):
        WeightPenalty(l2=-1.0)
    with pytest.raises(ValueError, match="activity penalty on layer 7"):
        Objective(get_loss("mse"), activity={7: L1Activity(0.1)})(
            build_mlp([2, 2, 2], "tanh", rng=np.random.default_rng(0)),
            np.zeros((1, 2)),
            np.zeros((1, 2)),
        )


def test_activity_penalties_make_the_code_sparse_and_bar_like():
    rng = np.random.default_rng(3)
    x = bars(300, 5, 0.15, rng)
    results = {}
    for name, activity in [("none", {}), ("l1", {1: L1Activity(0.02)})]:
        model = build_mlp([25, 20, 25], "sigmoid", rng=np.random.default_rng(4))
        fit(model, Objective(get_loss("mse"), activity=activity), x, x, Adam(lr=0.01), 1500)
        model.forward(x)
        results[name] = (model.outputs[1], model.dense_layers()[0].weight)
    dense_h, sparse_h = results["none"][0], results["l1"][0]
    assert np.mean(sparse_h > 0.1) < 0.2 < np.mean(dense_h > 0.1)
    assert matched_bars(results["l1"][1], 5) > matched_bars(results["none"][1], 5)

"""Hand-written backprop against finite differences and torch.autograd (2.3, 2.7, 2.13)."""

import numpy as np
import pytest
import torch

from dl_lab.fundamentals.activations import ACTIVATIONS
from dl_lab.fundamentals.backprop import sigmoid_neuron_step, train_two_layer, two_layer_backprop
from dl_lab.fundamentals.gradcheck import check_model, sample_targets, suite_cases
from dl_lab.fundamentals.losses import LOSSES, get_loss
from dl_lab.fundamentals.mlp import ActivationLayer, Dense, build_mlp
from dl_lab.fundamentals.training import Objective
from dl_lab.registry import UnknownNameError

CASES = suite_cases([4, 5, 3], batch_size=5, rng=np.random.default_rng(7))
TORCH_ACTIVATIONS = {
    "identity": torch.nn.Identity(),
    "sigmoid": torch.nn.Sigmoid(),
    "tanh": torch.nn.Tanh(),
    "relu": torch.nn.ReLU(),
    "leaky_relu": torch.nn.LeakyReLU(0.01),
    "elu": torch.nn.ELU(),
    "swish": torch.nn.SiLU(),
    "gelu": torch.nn.GELU(approximate="tanh"),
}
TORCH_LOSSES = {
    "mse": lambda out, y: torch.nn.functional.mse_loss(out, y),
    "half_sse": lambda out, y: 0.5 * ((out - y) ** 2).sum() / out.shape[0],
    "binary_cross_entropy": lambda out, y: torch.nn.functional.binary_cross_entropy_with_logits(
        out, y
    ),
    "cross_entropy": lambda out, y: torch.nn.functional.cross_entropy(out, y),
}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_backprop_matches_central_differences(case):
    _, model, objective, x, y = case
    errors = check_model(model, objective, x, y, eps=1e-6)
    assert set(errors) == {*model.named_params(), "x"}
    assert max(errors.values()) < 1e-6, errors


def test_suite_covers_every_registered_activation_and_loss():
    names = {c[0] for c in CASES}
    assert {f"activation {a}" for a in ACTIVATIONS.available()} <= names
    assert {f"loss {name}" for name in LOSSES.available()} <= names


def _torch_twin(model, activation):
    layers = []
    for layer in model.layers:
        if isinstance(layer, Dense):
            linear = torch.nn.Linear(*layer.weight.shape[::-1]).double()
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.weight))
                linear.bias.copy_(torch.from_numpy(layer.bias))
            layers.append(linear)
        else:
            layers.append(TORCH_ACTIVATIONS[activation])
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize(
    ("activation", "loss"),
    [(a, "mse") for a in ACTIVATIONS.available()] + [("tanh", name) for name in LOSSES.available()],
)
def test_backprop_matches_torch_autograd(activation, loss):
    rng = np.random.default_rng(3)
    model = build_mlp([4, 6, 5, 3], activation, init="torch_default", rng=rng)
    x, y = rng.normal(size=(7, 4)), sample_targets(loss, 7, 3, rng)
    objective = Objective(get_loss(loss))
    value, _, grads = objective(model, x, y)
    twin = _torch_twin(model, activation)
    target = torch.from_numpy(y) if loss != "cross_entropy" else torch.from_numpy(y).long()
    torch_value = TORCH_LOSSES[loss](twin(torch.from_numpy(x)), target)
    torch_value.backward()
    assert value == pytest.approx(torch_value.item(), rel=1e-12)
    torch_grads = {
        f"{i}.{name}": p.grad.numpy()
        for i, module in enumerate(twin)
        for name, p in module.named_parameters()
    }
    assert set(torch_grads) == set(grads)
    for name, grad in grads.items():
        np.testing.assert_allclose(grad, torch_grads[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_course_two_layer_equations_agree_with_the_general_backward_pass():
    rng = np.random.default_rng(0)
    w1, b1, w2, b2 = (
        rng.normal(size=(2, 3)),
        rng.normal(size=2),
        rng.normal(size=(1, 2)),
        rng.normal(size=1),
    )
    x, y = rng.normal(size=3), 1.0
    course = two_layer_backprop(x, y, w1, b1, w2, b2, hidden="sigmoid")
    model = build_mlp([3, 2, 1], "sigmoid", "sigmoid", rng=rng)
    model.layers[0], model.layers[2] = Dense(w1, b1), Dense(w2, b2)
    _, _, grads = Objective(get_loss("half_sse"))(model, x[None, :], np.array([[y]]))
    np.testing.assert_allclose(course.dW1, grads["0.weight"], rtol=1e-12)
    np.testing.assert_allclose(course.db1, grads["0.bias"], rtol=1e-12)
    np.testing.assert_allclose(course.dW2, grads["2.weight"], rtol=1e-12)
    np.testing.assert_allclose(course.db2, grads["2.bias"], rtol=1e-12)
    # delta1 = W2^T delta2 * f'(z1): through a sigmoid (f' <= 1/4) the error shrinks per layer
    h = 1 / (1 + np.exp(-(w1 @ x + b1)))
    np.testing.assert_allclose(course.delta1, w2[0] * course.delta2[0] * h * (1 - h), rtol=1e-12)


def test_course_neuron_gradient_2_13():
    step = sigmoid_neuron_step([0.6], 1.0, [0.5], 0.2, lr=0.1)
    assert step["z"] == pytest.approx(0.5)
    assert step["y_hat"] == pytest.approx(0.622, abs=5e-4)
    assert step["error"] == pytest.approx(-0.378, abs=5e-4)
    assert step["grad_w"][0] == pytest.approx(-0.053, abs=5e-4)
    assert step["w_new"][0] == pytest.approx(0.5053, abs=5e-5)
    # sign check (2.17 prints it flipped): the step must lower the loss
    after = sigmoid_neuron_step([0.6], 1.0, step["w_new"], step["b_new"], lr=0.1)
    assert after["loss"] < step["loss"]


def test_bad_shapes_raise_clear_errors():
    model = build_mlp([4, 5, 3], "relu", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"Dense input expects shape \(n, 4\), got \(2, 3\)"):
        model.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Dense input expects shape \(n, 4\), got \(4,\)"):
        model.forward(np.zeros(4))
    out = model.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"output shape \(2, 3\) and target shape \(2, 2\) differ"):
        get_loss("mse").value(out, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        get_loss("cross_entropy").value(out, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"weight \(out, in\) and bias \(out,\)"):
        Dense(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="sizes must be"):
        build_mlp([4], "relu", rng=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="before forward"):
        ActivationLayer("tanh").backward(np.zeros((1, 1)))


def test_unknown_names_list_the_allowed_ones():
    with pytest.raises(UnknownNameError, match="unknown activation 'relux'; available: elu, gelu"):
        build_mlp([2, 2, 1], "relux", rng=np.random.default_rng(0))
    with pytest.raises(
        UnknownNameError, match="unknown loss 'hinge'; available: binary_cross_entropy"
    ):
        get_loss("hinge")
    with pytest.raises(UnknownNameError, match="unknown weight init 'orthogonal'"):
        build_mlp([2, 2, 1], "tanh", init="orthogonal", rng=np.random.default_rng(0))


def test_course_two_layer_training_shrinks_the_loss_and_the_error_shrinks_backward():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, 3))
    y = (x.sum(axis=1) > 0).astype(float)
    init = {
        "W1": rng.uniform(-1, 1, (2, 3)),
        "b1": np.zeros(2),
        "W2": rng.uniform(-1, 1, (1, 2)),
        "b2": np.zeros(1),
    }
    trace = train_two_layer(x, y, init, lr=2.0, epochs=100)
    assert trace[-1]["loss"] < 0.5 * trace[0]["loss"]
    # |delta1| = |W2^T delta2| * sigmoid' <= 1/4 * max|W2| * |delta2| per sample
    bound = 0.25 * np.abs(init["W2"]).max() * trace[0]["mean_abs_delta2"]
    assert trace[0]["mean_abs_delta1"] <= bound

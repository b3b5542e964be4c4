"""GD step by step (2.6), learning-rate regimes (2.8), momentum and Nesterov vs torch (2.18)."""

import numpy as np
import pytest
import torch

from dl_lab.fundamentals.gradient_descent import linear_gd_steps, lr_sweep
from dl_lab.fundamentals.optimizers import Adam, Momentum, build_optimizer
from dl_lab.fundamentals.surfaces import build_surface, descend
from dl_lab.registry import UnknownNameError


def test_course_gradient_descent_example_2_6():
    step = linear_gd_steps([3.0], [6.0], w=0.5, b=0.0, lr=0.1, steps=1)[0]
    assert step["y_hat"] == 1.5 and step["error"] == -4.5
    assert step["loss"] == pytest.approx(10.125)
    assert (step["grad_w"], step["grad_b"]) == pytest.approx((-13.5, -4.5))
    assert (step["w_new"], step["b_new"]) == pytest.approx((1.85, 0.45))
    assert step["loss_new"] == pytest.approx(0.0, abs=1e-20)


def _regime(lr, steps=200):
    return lr_sweep([lr], w0=0.0, a=1.0, c=3.0, steps=steps, tol=1e-6)[0]


def test_lr_one_oscillates_between_0_and_6_with_constant_loss_9():
    row = _regime(1.0)
    assert row["regime"] == "oscillates"
    traj = descend(build_surface("shifted_quadratic"), build_optimizer("gd", lr=1.0), [0.0], 8)
    np.testing.assert_array_equal(traj.w[:, 0], [0, 6, 0, 6, 0, 6, 0, 6, 0])
    np.testing.assert_array_equal(traj.loss, 9.0)


def test_lr_half_converges_in_one_step():
    row = _regime(0.5)
    assert row["regime"] == "one_step" and row["final_w"] == 3.0


@pytest.mark.parametrize("lr", [0.55, 0.75, 0.9, 0.99])
def test_lr_between_half_and_one_converges_while_overshooting(lr):
    row = _regime(lr, steps=5000)
    assert row["regime"] == "converges" and row["overshoots"]


@pytest.mark.parametrize("lr", [1.01, 1.1, 2.0])
def test_only_lr_above_one_diverges(lr):
    assert _regime(lr, steps=5000)["regime"] == "diverges"


def test_small_lr_is_slow_and_moderate_lr_converges_without_overshoot():
    assert _regime(0.001, steps=100)["regime"] == "slow"
    row = _regime(0.1)
    assert row["regime"] == "converges" and not row["overshoots"]
    assert row["measured_factor"] == pytest.approx(row["analytic_factor"])


def _torch_path(surface, w0, steps, make):
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = make([w])
    path = [w.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        w.grad = torch.from_numpy(surface.grad(w.detach().numpy()))
        opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("surface_name", ["elongated_quadratic", "rosenbrock"])
@pytest.mark.parametrize(
    ("name", "kwargs", "make"),
    [
        ("gd", {"lr": 1e-3}, lambda p: torch.optim.SGD(p, lr=1e-3)),
        (
            "momentum",
            {"lr": 1e-3, "momentum": 0.9},
            lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9),
        ),
        (
            "nesterov",
            {"lr": 1e-3, "momentum": 0.9},
            lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True),
        ),
        ("adam", {"lr": 1e-2}, lambda p: torch.optim.Adam(p, lr=1e-2)),
    ],
)
def test_optimizers_follow_torch_step_for_step(surface_name, name, kwargs, make):
    surface = build_surface(surface_name)
    ours = descend(surface, build_optimizer(name, **kwargs), [-1.2, 1.0], 300, tol=0.0)
    np.testing.assert_allclose(ours.w, _torch_path(surface, [-1.2, 1.0], 300, make), rtol=1e-10)


def test_ema_momentum_is_pytorch_momentum_with_lr_scaled_by_one_minus_beta():
    surface, beta = build_surface("rosenbrock"), 0.9
    ema = descend(
        surface, build_optimizer("momentum_ema", lr=0.01, momentum=beta), [-1.2, 1], 500, 0.0
    )
    torch_form = build_optimizer("momentum", lr=0.01 * (1 - beta), momentum=beta)
    np.testing.assert_allclose(
        ema.w, descend(surface, torch_form, [-1.2, 1], 500, 0.0).w, rtol=1e-10
    )


def test_momentum_and_nesterov_beat_gd_on_an_elongated_quadratic():
    surface = build_surface("elongated_quadratic", a=1.0, b=50.0)
    steps = {
        name: descend(surface, build_optimizer(name, **kw), [-4.0, 1.0], 5000, 1e-6).steps_to_tol
        for name, kw in [
            ("gd", {"lr": 0.025}),
            ("momentum", {"lr": 0.025, "momentum": 0.9}),
            ("nesterov", {"lr": 0.025, "momentum": 0.9}),
        ]
    }
    assert None not in steps.values()
    assert steps["nesterov"] < steps["momentum"] < steps["gd"]


def test_momentum_reaches_rosenbrock_minimum_in_far_fewer_steps_than_gd():
    surface = build_surface("rosenbrock")
    gd = descend(surface, build_optimizer("gd", lr=1e-3), [-1.2, 1.0], 50000, 1e-4)
    heavy = descend(
        surface, build_optimizer("momentum", lr=1e-3, momentum=0.9), [-1.2, 1.0], 50000, 1e-4
    )
    assert gd.steps_to_tol is not None and heavy.steps_to_tol is not None
    assert heavy.steps_to_tol * 5 < gd.steps_to_tol


def test_nesterov_has_the_tighter_stability_limit():
    # on curvature h: heavy ball needs lr*h < 2(1+mu), Nesterov lr*h < 2(1+mu)/(1+2mu)
    surface = build_surface("elongated_quadratic", a=1.0, b=50.0)
    kw = {"lr": 0.035, "momentum": 0.9}  # lr*h = 1.75
    assert descend(surface, build_optimizer("nesterov", **kw), [-4.0, 1.0], 2000, 1e-6).diverged
    assert not descend(surface, build_optimizer("momentum", **kw), [-4.0, 1.0], 2000, 1e-6).diverged


def test_bad_optimizer_and_surface_arguments_raise():
    with pytest.raises(UnknownNameError, match="unknown optimizer 'rmsprop'; available: adam, gd"):
        build_optimizer("rmsprop", lr=0.1)
    with pytest.raises(UnknownNameError, match="unknown cost surface 'himmelblau'"):
        build_surface("himmelblau")
    with pytest.raises(ValueError, match="lr must be > 0"):
        build_optimizer("gd", lr=0.0)
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\)"):
        build_optimizer("nesterov", lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="Nesterov momentum needs zero dampening"):
        Momentum(lr=0.1, momentum=0.9, nesterov=True, dampening=0.5)
    with pytest.raises(ValueError, match="w0 must have 2 entries for rosenbrock, got 3"):
        descend(build_surface("rosenbrock"), Adam(), [0.0, 0.0, 0.0], 10)

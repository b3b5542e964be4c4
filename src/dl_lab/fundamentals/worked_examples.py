"""The course's worked numbers, recomputed (2.1, 2.2, 2.4, 2.6, 2.8, 2.10, 2.13, 2.14).

Each row holds the course's inputs, the value the course prints, the value measured here and
whether they agree to the course's printed precision. Rows where the course is wrong (see
CURRICULUM section 4) are kept and marked, with the corrected value measured.
"""

from __future__ import annotations

import numpy as np

from dl_lab.fundamentals.activations import get_activation
from dl_lab.fundamentals.backprop import sigmoid_neuron_step
from dl_lab.fundamentals.gradient_descent import linear_gd_steps, lr_sweep
from dl_lab.fundamentals.neurons import GATE_TARGETS, GATES, Neuron
from dl_lab.fundamentals.softmax import softmax
from dl_lab.fundamentals.xor import XOR_X, course_xor_network


def _row(
    question: str,
    quantity: str,
    course: float | str,
    measured: float | str,
    tol: float | None = None,
    note: str = "",
) -> dict:
    if tol is None:
        agrees = str(course) == str(measured)
    else:
        agrees = abs(float(course) - float(measured)) <= tol
    return {
        "question": question,
        "quantity": quantity,
        "course": course,
        "measured": measured,
        "agrees": bool(agrees),
        "note": note,
    }


def neuron_rows() -> list[dict]:
    """2.1: x = (0.5, 0.8), w = (0.4, 0.6), b = 0.1."""
    neuron = Neuron((0.4, 0.6), 0.1, "sigmoid")
    x = np.array([0.5, 0.8])
    return [
        _row("2.1", "z", 0.78, float(neuron.pre_activation(x)), 1e-12),
        _row("2.1", "sigmoid(z)", 0.685, float(neuron(x)), 1e-3, "printed truncated; 0.6857"),
    ]


def activation_rows() -> list[dict]:
    """2.2: activations at z = 2.0."""
    z = np.array([2.0])
    course = {"sigmoid": 0.88, "tanh": 0.96, "relu": 2.0}
    return [
        _row("2.2", f"{name}(2.0)", value, float(get_activation(name).forward(z)[0]), 5e-3)
        for name, value in course.items()
    ]


def gate_rows() -> list[dict]:
    """2.4: the course's AND / OR / NOT weights and thresholds give the intended tables."""
    rows = []
    for name in ("AND", "OR", "NOT"):
        _, outputs = GATES.build(name).truth_table()
        rows.append(
            _row(
                "2.4",
                f"{name} truth table",
                str(GATE_TARGETS[name]),
                str(tuple(int(o) for o in outputs)),
            )
        )
    return rows


def gradient_descent_rows() -> list[dict]:
    """2.6: y_hat = w x + b, x = 3, y = 6, w = 0.5, b = 0, lr = 0.1, L = 1/2 (y - y_hat)^2."""
    step = linear_gd_steps([3.0], [6.0], w=0.5, b=0.0, lr=0.1, steps=1)[0]
    course = {
        "y_hat": 1.5,
        "error": -4.5,
        "loss": 10.125,
        "grad_w": -13.5,
        "grad_b": -4.5,
        "w_new": 1.85,
        "b_new": 0.45,
        "loss_new": 0.0,
    }
    return [_row("2.6", key, value, step[key], 1e-9) for key, value in course.items()]


def learning_rate_rows() -> list[dict]:
    """2.8: GD on (w - 3)^2 from w = 0; the course's summary 'SGD lr > 0.5 diverges' is wrong."""
    sweep = {
        r["lr"]: r for r in lr_sweep([0.9, 1.0, 1.1], w0=0.0, a=1.0, c=3.0, steps=200, tol=1e-6)
    }
    loop = lr_sweep([1.0], w0=0.0, a=1.0, c=3.0, steps=4, tol=1e-6)[0]
    note = "course summary: SGD lr > 0.5 diverges"
    return [
        _row("2.8", "lr=1.0 regime", "diverges", sweep[1.0]["regime"], note=note),
        _row(
            "2.8",
            "lr=1.0 loss after 200 steps",
            9.0,
            sweep[1.0]["final_loss"],
            1e-12,
            "w alternates 0 <-> 6 with loss 9 forever",
        ),
        _row("2.8", "lr=1.0 w after 4 steps", 0.0, loop["final_w"], 1e-12),
        _row("2.8", "lr=0.9 regime", "diverges", sweep[0.9]["regime"], note=note),
        _row("2.8", "lr=1.1 regime", "diverges", sweep[1.1]["regime"]),
    ]


def xor_weight_rows() -> list[dict]:
    """2.10: the course's W1 read as rows (its formula) fails; as columns it solves XOR."""
    rows_net, cols_net = course_xor_network("rows"), course_xor_network("columns")
    p_rows, p_cols = rows_net.forward(XOR_X).ravel(), cols_net.forward(XOR_X).ravel()
    solved = [bool(np.all((p >= 0.5) == np.array([0, 1, 1, 0], bool))) for p in (p_rows, p_cols)]
    return [
        _row(
            "2.10",
            "y_hat(0,1) > 0.5, W1 rows = hidden units",
            "True",
            str(bool(p_rows[1] > 0.5)),
            note=f"y_hat(0,1) = {p_rows[1]:.4f}; h = f(W1 x + b1) as printed",
        ),
        _row("2.10", "solves XOR, W1 rows = hidden units", "True", str(solved[0])),
        _row(
            "2.10",
            "solves XOR, W1 columns = hidden units",
            "True",
            str(solved[1]),
            note="row form W1 = [[10, 10], [-10, -10]]",
        ),
    ]


def neuron_gradient_rows() -> list[dict]:
    """2.13: x1 = 0.6, y = 1, w1 = 0.5, b = 0.2, lr = 0.1, J = 1/2 (y - y_hat)^2."""
    s = sigmoid_neuron_step([0.6], 1.0, [0.5], 0.2, 0.1)
    return [
        _row("2.13", "z", 0.5, s["z"], 1e-12),
        _row("2.13", "y_hat", 0.622, s["y_hat"], 5e-4),
        _row("2.13", "error", -0.378, s["error"], 5e-4),
        _row("2.13", "dJ/dw1", -0.053, float(s["grad_w"][0]), 5e-4),
        _row("2.13", "w1 new", 0.5053, float(s["w_new"][0]), 5e-5),
    ]


def softmax_rows() -> list[dict]:
    """2.14: softmax([2.0, 1.0, 0.1]) = 0.659 / 0.242 / 0.099."""
    p = softmax(np.array([2.0, 1.0, 0.1]))
    return [
        _row("2.14", f"p{i + 1}", c, float(p[i]), 5e-4) for i, c in enumerate((0.659, 0.242, 0.099))
    ]


def all_rows() -> list[dict]:
    """Every worked example, in course order."""
    return [
        *neuron_rows(),
        *activation_rows(),
        *gate_rows(),
        *gradient_descent_rows(),
        *learning_rate_rows(),
        *xor_weight_rows(),
        *neuron_gradient_rows(),
        *softmax_rows(),
    ]

"""The course's worked numbers (2.1-2.17) against the course file's values, rule by rule.

Most come from the worked-examples table (its ``measured`` column; its ``agrees`` column is
never read). A few the table lacks (2.5, 2.9, 2.16, 2.17) are recomputed here with
``dl_lab.fundamentals`` in microseconds: a loss, three activations, a derivative, and
central differences of two losses. Every one is a deterministic computation (no seed
enters), so every rule here is told its number is ``exact``: one value decides.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_lab.course.questions import Course
from dl_lab.course.rules import combine, holds, within
from dl_lab.findings.fundamentals.answers import (
    Answer,
    Tables,
    number,
    numbers,
    plot,
    table,
)
from dl_lab.findings.fundamentals.config import FindingsParams
from dl_lab.fundamentals.activations import get_activation, sigmoid
from dl_lab.fundamentals.gradcheck import numerical_gradient
from dl_lab.fundamentals.losses import get_loss

WORKED = table("worked_examples")

# claim id -> the table's quantities and, for a claim with several numbers, each one's key
# in the claim's value (None: the value is one number)
WORKED_ROWS: dict[str, list[tuple[str, str | int | None]]] = {
    "2.1-z": [("z", None)],
    "2.1-output": [("sigmoid(z)", None)],
    "2.2-values-at-2": [("sigmoid(2.0)", "sigmoid"), ("tanh(2.0)", "tanh"), ("relu(2.0)", "relu")],
    "2.6-forward": [("y_hat", "y_hat"), ("error", "error"), ("loss", "loss")],
    "2.6-gradients": [("grad_w", "dw"), ("grad_b", "db")],
    "2.13-forward": [("z", "z"), ("y_hat", "y_hat"), ("error", "error")],
    "2.13-gradient": [("dJ/dw1", None)],
    "2.13-update": [("w1 new", None)],
    "2.14-example": [("p1", 0), ("p2", 1), ("p3", 2)],
}
MSE_EXAMPLE = {"y": [3.0, 4.0, 5.0], "y_hat": [2.5, 4.2, 4.8]}  # 2.5
SIGMOID_LAYERS = 5  # 2.16: five sigmoid layers
CONFIDENT_WRONG = (0.1, 1.0)  # 2.17: prediction 0.1 on label 1
GRADIENT_CASES = [(0.1, 1.0), (0.9, 1.0), (0.1, 0.0), (0.9, 0.0)]  # 2.17: (y_hat, y)


def worked_answers(tables: Tables, params: FindingsParams, course: Course) -> list[Answer]:
    """Every worked number the fundamentals measure, as findings."""
    worked = tables.worked_examples
    answers = [
        _from_table(worked, claim_id, rows, params.tolerance(claim_id), course)
        for claim_id, rows in WORKED_ROWS.items()
    ]
    return [
        *answers,
        _gd_update(tables, params.tolerance("2.6-update"), course),
        _xor_hand_weights(worked),
        _mse_example(params.tolerance("2.5-mse-example"), course),
        _activation_table(params.tolerance("2.9-table"), course),
        _vanishing(params.tolerance("2.16-vanishing"), course),
        *_sigmoid_output_gradients(params, course),
    ]


def _row(worked: pd.DataFrame, question: str, quantity: str) -> pd.Series:
    """One worked example (the CSV reads question ids as numbers, hence the float compare)."""
    rows = worked[
        (worked["quantity"] == quantity)
        & (worked["question"].astype(str).astype(float) == float(question))
    ]
    if len(rows) != 1:
        raise KeyError(f"the worked examples have {len(rows)} rows for {question} {quantity!r}")
    return rows.iloc[0]


def _measured(worked: pd.DataFrame, question: str, quantity: str) -> str:
    """The ``measured`` cell of one worked example."""
    return str(_row(worked, question, quantity)["measured"])


def _from_table(
    worked: pd.DataFrame,
    claim_id: str,
    rows: list[tuple[str, str | int | None]],
    tolerance: float,
    course: Course,
) -> Answer:
    claim = course.claim(claim_id)
    checks, parts = [], []
    for quantity, key in rows:
        value = float(_measured(worked, claim.question_id, quantity))
        expected = claim.value if key is None else claim.value[key]
        checks.append(within(value, expected, tolerance, what=quantity, exact=True))
        parts.append(f"{quantity} = {number(value)}")
    return Answer(claim_id, "; ".join(parts), combine(checks), (WORKED,))


def _gd_update(tables: Tables, tolerance: float, course: Course) -> Answer:
    """2.6: w and b after one step (worked examples), the prediction at the next step."""
    course_says = course.claim("2.6-update").value
    steps = tables.gd_linear_steps.sort_values("step")
    measured = {
        "w": float(_measured(tables.worked_examples, "2.6", "w_new")),
        "b": float(_measured(tables.worked_examples, "2.6", "b_new")),
        "y_hat_new": float(steps["y_hat"].iloc[1]),
    }
    checks = [within(v, course_says[k], tolerance, what=k, exact=True) for k, v in measured.items()]
    text = "; ".join(f"{k} = {number(v)}" for k, v in measured.items())
    return Answer("2.6-update", text, combine(checks), (WORKED, table("gd_linear_steps")))


def _xor_hand_weights(worked: pd.DataFrame) -> Answer:
    """2.10 (corrected): the printed W1 fails with rows as hidden units, its transpose works."""
    cases = {
        "row form [[10, 10], [-10, -10]] solves XOR": (
            "solves XOR, W1 columns = hidden units",
            "True",
        ),
        "printed W1 with rows as hidden units fails": (
            "solves XOR, W1 rows = hidden units",
            "False",
        ),
        "printed W1 puts (0,1) below 0.5": ("y_hat(0,1) > 0.5, W1 rows = hidden units", "False"),
    }
    seen = {case: _measured(worked, "2.10", quantity) for case, (quantity, _) in cases.items()}
    verdict = holds(
        [seen[case] == want for case, (_, want) in cases.items()], "the corrected XOR weights"
    )
    note = _row(worked, "2.10", cases["printed W1 puts (0,1) below 0.5"][0])["note"]
    text = "; ".join(f"{case}: {seen[case]}" for case in cases) + f" ({note})"
    return Answer("2.10-hand-weights", text, verdict, (WORKED, plot("xor_boundaries")))


def _mse_example(tolerance: float, course: Course) -> Answer:
    """2.5: the course's MSE example, with the library's mean squared error."""
    value = get_loss("mse")(np.array(MSE_EXAMPLE["y_hat"]), np.array(MSE_EXAMPLE["y"]))
    verdict = within(
        value, course.claim("2.5-mse-example").value, tolerance, what="MSE", exact=True
    )
    return Answer("2.5-mse-example", f"MSE = {number(value)}", verdict)


def _activation_table(tolerance: float, course: Course) -> Answer:
    """2.9: sigmoid, tanh and ReLU at the course's five points (max deviation per function)."""
    course_says = course.claim("2.9-table").value
    x = np.array(course_says["x"], dtype=float)
    checks, parts = [], []
    for name in ("sigmoid", "tanh", "relu"):
        values = get_activation(name).forward(x)
        deviation = float(np.abs(values - np.array(course_says[name])).max())
        checks.append(within(deviation, 0.0, tolerance, what=f"max |{name} - course|", exact=True))
        parts.append(f"{name} {numbers(np.round(values, 4))}")
    text = f"at x = {numbers(x)}: " + "; ".join(parts)
    return Answer("2.9-table", text, combine(checks), (plot("activations"),))


def _vanishing(tolerance: float, course: Course) -> Answer:
    """2.16: the largest sigmoid derivative, to the power of the course's five layers."""
    z = np.linspace(-6.0, 6.0, 1201)  # contains z = 0, where the derivative peaks
    sigmoid_fn = get_activation("sigmoid")
    peak = float(sigmoid_fn.derivative(z, sigmoid_fn.forward(z)).max())
    product = peak**SIGMOID_LAYERS
    verdict = within(
        product, course.claim("2.16-vanishing").value, tolerance, what="max s'^5", exact=True
    )
    text = f"max sigmoid'(z) = {number(peak)}; to the power {SIGMOID_LAYERS}: {number(product)}"
    return Answer("2.16-vanishing", text, verdict, (plot("activations"),))


def _logit(y_hat: float) -> np.ndarray:
    return np.array([[np.log(y_hat / (1.0 - y_hat))]])


def _mse_dz(y_hat: float, y: float, eps: float) -> float:
    """d/dz of the course's 1/2 (y - s(z))^2 at s(z) = y_hat, by central differences."""
    z = _logit(y_hat)
    return float(numerical_gradient(lambda: get_loss("half_sse")(sigmoid(z), [[y]]), z, eps)[0, 0])


def _ce_dz(y_hat: float, y: float, eps: float) -> float:
    """d/dz of the binary cross-entropy at s(z) = y_hat, by central differences."""
    z = _logit(y_hat)
    loss = get_loss("binary_cross_entropy")
    return float(numerical_gradient(lambda: loss(z, [[y]]), z, eps)[0, 0])


def _sigmoid_output_gradients(params: FindingsParams, course: Course) -> list[Answer]:
    """2.17: dL/dz of MSE and cross-entropy for a sigmoid output, by central differences."""
    y_hat, y = CONFIDENT_WRONG
    mse = _mse_dz(y_hat, y, params.fd_eps)
    ce = _ce_dz(y_hat, y, params.fd_eps)
    course_says = course.claim("2.17-confident-wrong").value
    tolerance = params.tolerance("2.17-confident-wrong")
    confident = combine(
        [
            within(abs(mse), course_says["mse"], tolerance, what="|dMSE/dz|", exact=True),
            within(abs(ce), course_says["ce"], tolerance, what="|dCE/dz|", exact=True),
        ]
    )
    checks, parts = [], []
    formula_tolerance = params.tolerance("2.17-mse-gradient")
    for case_y_hat, case_y in GRADIENT_CASES:
        measured = _mse_dz(case_y_hat, case_y, params.fd_eps)
        corrected = (case_y_hat - case_y) * case_y_hat * (1.0 - case_y_hat)
        what = f"dL/dz at y_hat={case_y_hat:g}, y={case_y:g}"
        checks.append(within(measured, corrected, formula_tolerance, what, exact=True))
        parts.append(f"{what}: {number(measured)} (as printed {number(-corrected)})")
    return [
        Answer(
            "2.17-confident-wrong",
            f"y_hat = {y_hat:g}, y = {y:g}: dMSE/dz = {number(mse)}, dCE/dz = {number(ce)}",
            confident,
        ),
        Answer("2.17-mse-gradient", "; ".join(parts), combine(checks)),
    ]

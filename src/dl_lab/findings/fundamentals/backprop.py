"""Backpropagation, the loss falling under it, linear collapse and softmax (2.2-2.14).

Exact (``exact=True``: one value decides): the gradient checks (backprop vs central
differences at one fixed-seed point: an arithmetic identity, its error is float64 round-off
whatever the point), the 2.6 neuron's steps (no seed), a deep linear net against its single
affine map (an identity for any weights) and softmax's sum. Random (one seed cannot decide):
what training from a random initialisation reaches, i.e. the 2.7 net's loss on sampled data
and the linear net's XOR points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_lab.course.questions import Course
from dl_lab.course.rules import combine, direction, holds, within
from dl_lab.findings.fundamentals.answers import (
    Answer,
    Tables,
    at,
    number,
    numbers,
    plot,
    table,
)
from dl_lab.findings.fundamentals.config import FindingsParams

GRADIENTS = table("gradient_check")
# claim id -> the gradient-check cases that test it (None: every case)
GRADIENT_CASES: dict[str, list[str] | None] = {
    "2.3-chain": None,
    "2.7-equations": ["course 3-2-1 sigmoid, 1/2 SSE (2.7)"],
    "2.9-derivatives": ["activation sigmoid", "activation tanh", "activation relu"],
    "2.12-update": ["weight penalty l2", "weight penalty elastic_net"],
}


def backprop_answers(tables: Tables, params: FindingsParams, course: Course) -> list[Answer]:
    """Gradient checks, training curves, the linear collapse and softmax's properties."""
    checks = [
        _gradient_check(tables.gradient_check, claim_id, cases, params.gradient_check)
        for claim_id, cases in GRADIENT_CASES.items()
    ]
    return [
        *checks,
        _loss_falls(tables.gd_linear_steps, params.round_off),
        _two_layer_training(tables.two_layer_trace, params.round_off),
        _linear_collapse(tables.linear_collapse, params.round_off),
        _softmax_example(tables.softmax, params.round_off),
        _softmax_properties(tables, params),
    ]


def _worst_errors(gradients: pd.DataFrame, cases: list[str] | None) -> pd.Series:
    """The largest relative error of each case (every case, or those named)."""
    rows = gradients if cases is None else gradients[gradients["case"].isin(cases)]
    worst = rows.groupby("case")["relative_error"].max()
    if cases is not None and set(worst.index) != set(cases):
        raise KeyError(
            f"the gradient check lacks the cases {sorted(set(cases) - set(worst.index))}"
        )
    return worst


def _gradient_check(
    gradients: pd.DataFrame, claim_id: str, cases: list[str] | None, tolerance: float
) -> Answer:
    worst = _worst_errors(gradients, cases)
    verdict = within(float(worst.max()), 0.0, tolerance, what="max relative error", exact=True)
    if cases is None:
        text = f"backprop vs central differences: max relative error {number(worst.max())} over {len(worst)} cases"
    else:
        text = "; ".join(f"{case}: relative error {number(error)}" for case, error in worst.items())
    return Answer(claim_id, text, verdict, (GRADIENTS,))


def _loss_falls(steps: pd.DataFrame, margin: float) -> Answer:
    """2.3: forward, backward and update repeated on the 2.6 neuron."""
    steps = steps.sort_values("step")
    before, after = float(steps["loss"].iloc[0]), float(steps["loss_new"].iloc[-1])
    verdict = direction(
        after,
        before,
        "a<b",
        margin,
        names=("loss after the last step", "loss before the first"),
        exact=True,
    )
    text = f"loss {number(before)} before, {number(after)} after {len(steps)} steps"
    return Answer("2.3-loss-falls", text, verdict, (table("gd_linear_steps"),))


def _two_layer_training(trace: pd.DataFrame, margin: float) -> Answer:
    """2.7: the course's 3-2-1 net trained by its own equations, from a random init on
    sampled data: one seed, so the rule cannot decide (its spread is unknown). The trace is
    a training loss and the comparison is the same run's start against its end, so a loss
    still falling at the last epoch does not unsettle it."""
    trace = trace.sort_values("epoch")
    first, last = float(trace["loss"].iloc[0]), float(trace["loss"].iloc[-1])
    verdict = direction(last, first, "a<b", margin, names=("final loss", "initial loss"))
    text = f"1/2 SSE {number(first)} at epoch 0, {number(last)} at epoch {trace['epoch'].iloc[-1]}"
    return Answer(
        "2.7-training", text, verdict, (table("two_layer_trace"), plot("two_layer_trace"))
    )


def _quantity(collapse: pd.DataFrame, prefix: str) -> float:
    return float(collapse.loc[collapse["quantity"].str.startswith(prefix), "value"].iloc[0])


def _linear_collapse(collapse: pd.DataFrame, round_off: float) -> Answer:
    """2.2: a deep identity-activation net equals one affine map (exact: an identity for any
    weights) and cannot separate XOR (random: trained from a random init, one seed)."""
    gap = _quantity(collapse, "max |deep(x) - collapsed(x)|")
    correct = _quantity(collapse, "XOR points classified correctly")
    bce = _quantity(collapse, "XOR final BCE")
    verdict = combine(
        [
            within(gap, 0.0, round_off, what="max |deep(x) - one affine map(x)|", exact=True),
            direction(correct, 4, "a<b", names=("XOR points the linear net gets right", "all")),
        ]
    )
    text = (
        f"deep linear net vs its single affine map: max gap {number(gap)}; "
        f"trained on XOR: BCE {number(bce)} (ln 2 = 0.6931), {correct:g} of 4 points decided right"
    )
    return Answer("2.2-linear-collapse", text, verdict, (table("linear_collapse"),))


def _probabilities(softmax: pd.DataFrame) -> pd.DataFrame:
    return softmax[[c for c in softmax.columns if c[0] == "p" and c[1:].isdigit()]]


def _softmax_example(softmax: pd.DataFrame, round_off: float) -> Answer | None:
    """2.2 (illustrative 0.7/0.2/0.1): the course's logits at temperature 1 sum to one."""
    row = at(softmax, "temperature", 1.0)
    if row.empty:
        return None
    p = _probabilities(row).iloc[0].to_numpy(dtype=float)
    verdict = combine(
        [
            within(float(p.sum()), 1.0, round_off, what="sum of the softmax outputs", exact=True),
            holds([bool(np.all(np.diff(p) < 0))], "ordered like 0.7 > 0.2 > 0.1"),
        ]
    )
    text = f"softmax([2, 1, 0.1]) = {numbers(p)}, sum {p.sum():.12g}"
    return Answer("2.2-softmax-example", text, verdict, (table("softmax"),))


def _softmax_properties(tables: Tables, params: FindingsParams) -> Answer:
    """2.14: outputs in (0, 1) summing to 1 at every temperature; dCE/dz checked."""
    p = _probabilities(tables.softmax).to_numpy(dtype=float)
    valid = ((p > 0) & (p < 1)).all(axis=1) & (np.abs(p.sum(axis=1) - 1) <= params.round_off)
    ce = float(_worst_errors(tables.gradient_check, ["loss cross_entropy"]).max())
    verdict = combine(
        [
            holds(list(valid), "outputs in (0, 1) summing to 1, per temperature"),
            within(
                ce,
                0.0,
                params.gradient_check,
                what="cross-entropy gradient relative error",
                exact=True,
            ),
        ]
    )
    temperatures = numbers(tables.softmax["temperature"])
    text = (
        f"at temperatures {temperatures}: {int(valid.sum())} of {len(valid)} distributions in (0, 1) "
        f"summing to 1; cross-entropy backprop vs central differences {number(ce)}"
    )
    return Answer("2.14-properties", text, verdict, (table("softmax"), plot("softmax"), GRADIENTS))

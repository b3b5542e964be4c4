"""Vanishing and exploding gradients, measured on the toy task."""

from __future__ import annotations

import pytest

from dl_lab.diagnostics.gradient_flow import (
    FlowCase,
    FlowSettings,
    cure_questions,
    gradient_flow,
)

SETTINGS = FlowSettings(depth=10, width=16, steps=8, batch_size=32, lr=0.1, record_every=2)


@pytest.fixture(scope="module")
def flow(toy_splits):
    cases = [
        FlowCase("sigmoid"),
        FlowCase("relu_bn", "relu", "he", batch_norm=True),
        FlowCase("sigmoid_residual", residual=True),
        FlowCase("large", "relu", "large"),
        FlowCase("large_clipped", "relu", "large", clip_norm=1.0),
    ]
    norms, summary, losses = gradient_flow(cases, {0: toy_splits}, SETTINGS)
    return norms, summary.set_index("case"), losses


def test_deep_sigmoid_first_layer_is_100x_smaller(flow):
    _, summary, _ = flow
    assert summary.loc["sigmoid", "first_last_ratio_init"] < 1e-2
    assert summary.loc["sigmoid", "verdict_init"] == "vanishing"


def test_batch_norm_and_residuals_restore_the_flow(flow):
    _, summary, _ = flow
    for case in ("relu_bn", "sigmoid_residual"):
        assert summary.loc[case, "first_last_ratio_init"] > 1e-2, case


def test_large_init_explodes_and_clipping_keeps_it_finite(flow):
    _, summary, _ = flow
    assert summary.loc["large", "verdict_training"] == "exploding"
    assert summary.loc["large_clipped", "nonfinite_steps"] == 0
    assert summary.loc["large", "nonfinite_steps"] > 0


def test_norms_cover_every_layer_and_record_step(flow):
    norms, _, losses = flow
    part = norms[norms["case"] == "sigmoid"]
    assert sorted(part["layer"].unique()) == list(range(1, SETTINGS.depth + 2))
    assert sorted(part["step"].unique()) == [0, 2, 4, 6, 7]
    assert len(losses[losses["case"] == "sigmoid"]) == SETTINGS.steps


def test_bad_cases_are_named(toy_splits):
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        FlowCase("x", "swish")
    with pytest.raises(ValueError, match="unique"):
        gradient_flow([FlowCase("a"), FlowCase("a")], {0: toy_splits}, SETTINGS)


def test_every_case_runs_on_every_seed_and_the_questions_per_seed(toy_splits):
    cases = [FlowCase("sigmoid"), FlowCase("relu_he", "relu", "he")]
    short = FlowSettings(depth=4, width=8, steps=3, batch_size=16, record_every=1)
    norms, summary, losses = gradient_flow(cases, {0: toy_splits, 1: toy_splits}, short)
    assert summary[["seed", "case"]].values.tolist() == [[0, "sigmoid"], [0, "relu_he"],
                                                         [1, "sigmoid"], [1, "relu_he"]]  # fmt: skip
    assert set(norms["seed"]) == set(losses["seed"]) == {0, 1}
    questions = cure_questions(summary, "sigmoid", ["relu_he"])
    assert questions["seed"].tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="not a gradient-flow case"):
        cure_questions(summary, "sigmoid", ["tanh"])

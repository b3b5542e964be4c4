"""Activation curves (course 2.2, 2.9, 2.24) and per-layer statistics."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dl_lab.diagnostics.activation_sweep import activation_sweep
from dl_lab.diagnostics.activations import (
    ACTIVATIONS,
    activation_curves,
    curve_summary,
    layer_statistics,
    softmax_curve,
)
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.training.loops import LoopConfig


@pytest.fixture(scope="module")
def summary():
    curves = activation_curves(ACTIVATIONS.available(), -5, 5)
    return curve_summary(curves).set_index("activation"), curves


def test_course_2_9_values(summary):
    _, curves = summary
    at = lambda name, x: float(  # noqa: E731
        curves[(curves["activation"] == name) & ((curves["x"] - x).abs() < 1e-9)]["y"].iloc[0]
    )
    assert [round(at("sigmoid", x), 3) for x in (-3, -1, 0, 1, 3)] == [
        0.047,
        0.269,
        0.5,
        0.731,
        0.953,
    ]
    assert at("tanh", 1) == pytest.approx(0.761, abs=1e-3)  # 0.7616; the course prints 0.761
    assert at("sigmoid", 2) == pytest.approx(0.88, abs=5e-3) and at("relu", 2) == pytest.approx(2.0)


def test_derivative_bounds_and_zero_centring(summary):
    table, _ = summary
    assert table.loc["sigmoid", "max_derivative"] == pytest.approx(0.25)  # not "up to 1" (2.24)
    assert table.loc["tanh", "max_derivative"] == pytest.approx(1.0)
    assert not table.loc["relu", "zero_centred"]  # the course's table says yes (2.9)
    assert table.loc["tanh", "zero_centred"]
    assert table.loc["leaky_relu", "min_on_grid"] == pytest.approx(-0.05)


def test_softmax_component_and_derivative():
    curve = softmax_curve((0.0, -1.0))
    row = curve.iloc[(curve["x"] - 0.0).abs().argmin()]
    s = 1 / (1 + 1 + torch.exp(torch.tensor(-1.0)).item())
    assert row["y"] == pytest.approx(s) and row["dy_dx"] == pytest.approx(s * (1 - s))


def test_dead_relus_are_counted():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU())
    with torch.no_grad():
        net[2].bias.fill_(-1e3)  # the second layer can never fire
    stats = layer_statistics(net, torch.randn(64, 4))
    assert stats["dead_fraction"].tolist()[1] == 1.0
    assert stats["dead_fraction"].tolist()[0] < 1.0


def test_sweep_reports_each_activation(toy_splits):
    table, histories, layers = activation_sweep(
        ["sigmoid", "relu", "selu"], {0: toy_splits, 1: toy_splits}, depth=3, width=16,
        cfg=LoopConfig(epochs=2, lr=0.01), target=0.9, thresholds=FitThresholds(),
    )  # fmt: skip
    assert list(table["activation"]) == ["sigmoid", "relu", "selu"] * 2
    assert table["seed"].tolist() == [0, 0, 0, 1, 1, 1]
    assert table.set_index("activation").loc["selu", "init"].tolist() == ["lecun"] * 2
    assert set(layers["layer"]) == {1, 2, 3} and set(layers["seed"]) == {0, 1}
    assert len(histories) == 2 * 3 * 2
    first, second = (part["final_val_acc"].to_numpy() for _, part in table.groupby("seed"))
    assert (first != second).any()  # another seed: another initialization

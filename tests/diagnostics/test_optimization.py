"""Learning-rate outcomes, schedules, batch sizes and optimizers on the quadratic."""

from __future__ import annotations

import math
from functools import partial

import pytest
import torch
from torch import nn

from dl_lab.diagnostics.batching import batch_size_runs
from dl_lab.diagnostics.optimization import (
    Quadratic,
    QuadraticRun,
    classify_lr_outcomes,
    quadratic_trajectories,
)
from dl_lab.training.schedules import build_schedule


def test_lr_outcomes():
    lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
    losses = [2.2, 1.4, 0.5, 0.45, 0.9, math.nan]
    diverged = [False] * 5 + [True]
    assert classify_lr_outcomes(lrs, losses, diverged) == [
        "too_small", "too_small", "good", "good", "too_large", "diverged",
    ]  # fmt: skip
    assert classify_lr_outcomes([1.0], [math.inf], [False]) == ["diverged"]
    with pytest.raises(ValueError, match="same length"):
        classify_lr_outcomes([1.0], [1.0, 2.0], [False])


def test_momentum_damps_the_zig_zag():
    runs = [QuadraticRun("gd", "sgd", 0.035), QuadraticRun("momentum", "sgd_momentum", 0.0035)]
    paths, table = quadratic_trajectories(Quadratic(a=1.0, b=50.0), runs, steps=150)
    table = table.set_index("run")
    assert table.loc["gd", "steep_axis_sign_flips"] == 150  # flips every step: 1 - 0.035 * 50 < 0
    assert table.loc["momentum", "steep_axis_sign_flips"] < 50
    assert table.loc["momentum", "steps_to_tolerance"] < table.loc["gd", "steps_to_tolerance"] or (
        math.isnan(table.loc["gd", "steps_to_tolerance"])
    )
    assert len(paths) == 2 * 151
    with pytest.raises(ValueError, match="unknown optimizer"):
        QuadraticRun("x", "lbfgs", 0.1)


def _rates(name: str, epochs: int, steps: int) -> list[float]:
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    schedule = build_schedule(name, optimizer, epochs, steps)
    rates = []
    for _ in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        for _ in range(steps):
            optimizer.step()
            schedule.after_batch()
        schedule.after_epoch(val_loss=1.0)  # a flat val loss: plateau cuts the rate
    return rates


def test_schedules():
    assert _rates("constant", 4, 2) == [1.0] * 4
    assert _rates("step", 6, 2) == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])
    cosine = _rates("cosine", 4, 2)
    assert cosine[0] == 1.0 and cosine == sorted(cosine, reverse=True)
    one_cycle = _rates("one_cycle", 6, 5)
    assert one_cycle[0] < 0.1 and max(one_cycle) > 0.5 and one_cycle[-1] < max(one_cycle)
    assert _rates("plateau", 5, 1)[-1] < 1.0
    warm = _rates("warmup", 4, 2)  # one epoch (2 batches) from 0.1x up, then the base rate
    assert warm[0] == pytest.approx(0.1) and warm[1:] == pytest.approx([1.0] * 3)
    warm_cosine = _rates("warmup_cosine", 4, 2)
    assert warm_cosine[0] < warm_cosine[1] and warm_cosine[1:] == sorted(
        warm_cosine[1:], reverse=True
    )
    with pytest.raises(ValueError, match="unknown schedule 'warm_restarts'; available"):
        _rates("warm_restarts", 2, 1)


def test_batch_size_updates_and_clock(toy_splits):
    make = partial(nn.Sequential, nn.Flatten(), nn.Linear(64, 4))
    trace, table = batch_size_runs(make, {0: toy_splits}, [1, 32, None], lr=0.05, epochs=2)
    assert set(trace["seed"]) == set(table["seed"]) == {0}
    table = table.set_index("batch")
    assert table.loc["1", "updates"] == 2 * 256
    assert table.loc["32", "updates"] == 2 * 8
    assert table.loc["full", "updates"] == 2
    for _, part in trace.groupby("batch"):
        assert part["wall_s"].is_monotonic_increasing and part["updates"].is_monotonic_increasing
    with pytest.raises(ValueError, match="batch size"):
        batch_size_runs(make, {0: toy_splits}, [0], lr=0.05, epochs=1)

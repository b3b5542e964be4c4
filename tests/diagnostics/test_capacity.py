"""Capacity sweeps, 0-1 bias-variance across depth, classical vs deep."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.diagnostics.classical import (
    CLASSIFIERS,
    compare_classical_deep,
    stored_numbers,
    winners,
)
from dl_lab.diagnostics.complexity import capacity_sweep, depth_bias_variance, mlp_factory
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.training.loops import LoopConfig


def test_capacity_sweep_rows(toy_splits):
    variants = {f"w{w}": mlp_factory(toy_splits, 1, w) for w in (2, 32)}
    table = capacity_sweep(
        {"mlp_width": variants}, {0: toy_splits, 7: toy_splits}, LoopConfig(epochs=2),
        FitThresholds(),
    )  # fmt: skip
    assert table[["seed", "sweep", "variant"]].values.tolist() == [
        [0, "mlp_width", "w2"], [0, "mlp_width", "w32"],
        [7, "mlp_width", "w2"], [7, "mlp_width", "w32"],
    ]  # fmt: skip
    table = table.set_index(["seed", "variant"])
    assert table.loc[(0, "w2"), "params"] == 64 * 2 + 2 + 2 * 4 + 4
    assert table.loc[(7, "w32"), "flops"] > table.loc[(7, "w2"), "flops"]
    assert set(table["fit_diagnosis"]) <= {
        "underfitting",
        "overfitting",
        "good_fit",
        "still_improving",
    }
    assert table.loc[(0, "w32"), "val_acc"] != table.loc[(7, "w32"), "val_acc"]


def test_depth_bias_variance_identity(toy_splits):
    factories = {"depth 1": mlp_factory(toy_splits, 1, 8), "depth 2": mlp_factory(toy_splits, 2, 8)}
    table = depth_bias_variance(factories, toy_splits, k=3, cfg=LoopConfig(epochs=1), seed=0)
    assert np.allclose(table["loss"], table["bias"] + table["net_variance"])
    with pytest.raises(ValueError, match="at least 2"):
        depth_bias_variance(factories, toy_splits, k=1, cfg=LoopConfig(epochs=1), seed=0)


def test_stored_numbers():
    x, y = np.random.default_rng(0).random((40, 5)), np.arange(40) % 3
    assert stored_numbers(LogisticRegression().fit(x, y)) == 3 * 5 + 3
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(x, y)
    assert stored_numbers(tree) == 2 * 1 + 2 * 3  # one split, two leaves of 3 class values


def test_classical_vs_deep_table():
    data = synthetic_bundle(sizes=(256, 16, 128), classes=4, shape=(1, 28, 28))
    table = compare_classical_deep(
        data, [40, None], ["logistic_regression", "knn"], ["pixels", "hog"],
        {"mlp": ("mlp", {"depth": 1, "width": 8})}, LoopConfig(epochs=1), min_updates=2,
        seeds=[0, 1],
    )  # fmt: skip
    assert len(table) == 2 * 2 * (2 * 2 + 1)  # seeds x sizes x (classical x features + deep)
    assert set(table["train_size"]) == {40, 256} and set(table["seed"]) == {0, 1}
    small = table[(table["train_size"] == 40) & (table["model"] == "knn")]
    assert small.groupby("seed")["test_acc"].nunique().eq(2).all()  # pixels, hog
    table = table[table["seed"] == 0]
    assert table["test_acc"].between(0, 1).all() and (table["n_parameters"] > 0).all()
    assert set(table["family"]) == {"classical", "deep"}
    summary = winners(table).set_index("train_size")
    assert list(summary.index) == [40, 256]
    top = table[table["train_size"] == 40]["test_acc"].max()
    assert max(summary.loc[40, "best_classical_acc"], summary.loc[40, "best_deep_acc"]) == top
    with pytest.raises(KeyError, match="available"):
        compare_classical_deep(data, [40], ["xgboost"], ["pixels"], {}, LoopConfig(), 1, [0])
    with pytest.raises(ValueError, match="available: hog, pixels"):
        compare_classical_deep(data, [40], ["knn"], ["sift"], {}, LoopConfig(), 1, [0])
    assert "random_forest" in CLASSIFIERS


def test_a_network_two_sweeps_share_trains_once_per_seed(toy_splits, monkeypatch):
    from dl_lab.diagnostics import complexity

    trained = []

    def counting(point, jobs):
        trained.extend((job["seed"], job["name"]) for job in jobs)
        return [point(**job) for job in jobs]

    monkeypatch.setattr(complexity, "run_points", counting)
    sweeps = {
        "depth": {"d1": mlp_factory(toy_splits, 1, 8), "d2": mlp_factory(toy_splits, 2, 8)},
        "width": {"w4": mlp_factory(toy_splits, 2, 4), "w8": mlp_factory(toy_splits, 2, 8)},
    }
    table = capacity_sweep(sweeps, {0: toy_splits, 1: toy_splits}, LoopConfig(epochs=1),
                           FitThresholds())  # fmt: skip
    assert len(trained) == 2 * 3  # d2 and w8 are one network: three per seed
    assert len(table) == 2 * 4 and list(table["variant"][:4]) == ["d1", "d2", "w4", "w8"]
    rows = table.set_index(["seed", "variant"])
    measured = ["params", "train_acc", "val_acc"]
    assert rows.loc[(1, "d2"), measured].tolist() == rows.loc[(1, "w8"), measured].tolist()
    assert rows.loc[(1, "w8"), "sweep"] == "width"

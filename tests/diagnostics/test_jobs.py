"""The sweeps' seeds and points as jobs: the worker pool gives the numbers running them
inline gives, and the seeded-table helpers."""

from __future__ import annotations

import pandas as pd
import pytest

from dl_lab import parallel
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.diagnostics.classical import compare_classical_deep
from dl_lab.diagnostics.complexity import capacity_sweep, cnn_factory, mlp_factory
from dl_lab.diagnostics.config import Seeds
from dl_lab.diagnostics.jobs import first_seed, mean_over_seeds, seeded_splits, with_seed
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.training.loops import LoopConfig

CLOCKS = ("train_time_s", "infer_time_s")  # wall-clock columns: they differ run to run


def _sweeps(data) -> pd.DataFrame:
    splits = seeded_splits(data, 60, [0, 1])
    shapes = splits[0]
    sweeps = {"mlp": {"w4": mlp_factory(shapes, 1, 4), "w16": mlp_factory(shapes, 1, 16)},
              "cnn": {"c4": cnn_factory(shapes, (4,))}}  # fmt: skip
    capacity = capacity_sweep(sweeps, splits, LoopConfig(epochs=2), FitThresholds())
    classical = compare_classical_deep(
        data, [40], ["logistic_regression", "random_forest"], ["pixels"],
        {"mlp": ("mlp", {"depth": 1, "width": 8})}, LoopConfig(epochs=1), 2, [0, 1],
    )  # fmt: skip
    return pd.concat([capacity, classical], ignore_index=True).drop(columns=list(CLOCKS))


def test_the_pool_gives_the_numbers_inline_gives(monkeypatch):
    data = synthetic_bundle(sizes=(96, 48, 48), classes=3, shape=(1, 8, 8))
    inline = _sweeps(data)  # DL_LAB_WORKERS=1 (tests/diagnostics/conftest.py)
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    try:
        pooled = _sweeps(data)
    finally:
        parallel.shutdown()
    pd.testing.assert_frame_equal(pooled, inline)
    seed0, seed1 = (part for _, part in inline[inline["sweep"] == "mlp"].groupby("seed"))
    assert (seed0["val_acc"].to_numpy() != seed1["val_acc"].to_numpy()).any()


def test_seeded_tables():
    frame = pd.DataFrame({"variant": ["a", "b", "a", "b"], "acc": [0.1, 0.2, 0.3, 0.4]})
    seeded = pd.concat([with_seed(frame.iloc[:2], 5), with_seed(frame.iloc[2:], 6)])
    assert list(seeded.columns) == ["seed", "variant", "acc"]
    assert first_seed(seeded)["acc"].tolist() == [0.1, 0.2]
    mean = mean_over_seeds(seeded, ["variant"]).set_index("variant")["acc"]
    assert mean.to_dict() == pytest.approx({"a": 0.2, "b": 0.3})
    assert first_seed(frame) is frame and mean_over_seeds(frame, ["variant"]) is frame


def test_the_replicates_are_distinct_valid_seeds():
    assert list(Seeds.model_validate({"seeds": [42, 43, 44]})) == [42, 43, 44]
    for bad, message in (([], "at least 1"), ([3, 3], "distinct"), ([-1], "whole number"),
                         ([1.5], "whole number")):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            Seeds.model_validate({"seeds": bad})
    with pytest.raises(ValueError, match="seed"):
        Seeds.model_validate({"seed": [1]})  # a misspelt key

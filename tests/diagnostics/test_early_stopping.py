"""Early stopping on course 1.16's scripted sequence: our rule and Lightning's callback."""

from __future__ import annotations

import numpy as np
import pytest

from dl_lab.diagnostics.early_stopping import lightning_early_stopping, simulate_early_stopping

COURSE_VAL_LOSS = [0.95, 0.80, 0.70, 0.75, 0.79, 0.82]


def test_course_sequence_best_epoch_3_stop_after_6():
    outcome = simulate_early_stopping(COURSE_VAL_LOSS, patience=3)
    assert (outcome.best_epoch, outcome.stop_epoch, outcome.stopped_early) == (3, 6, True)
    assert outcome.trace["wait"].tolist() == [0, 0, 0, 1, 2, 3]


def test_lightning_stops_after_6_and_restores_epoch_3_weights():
    run = lightning_early_stopping(COURSE_VAL_LOSS + [0.9, 0.95], patience=3)
    assert run == {
        "stop_epoch": 6, "best_epoch": 3, "restored_weights_epoch": 3, "stopped_early": True,
    }  # fmt: skip


def test_patience_and_min_delta():
    values = [1.0, 0.9, 0.85, 0.84, 0.835, 0.83, 0.5]
    assert simulate_early_stopping(values, patience=10).stopped_early is False
    lenient = simulate_early_stopping(values, patience=2)  # every small gain counts
    assert (lenient.stop_epoch, lenient.stopped_early) == (7, False)
    strict = simulate_early_stopping(values, patience=2, min_delta=0.02)
    assert (strict.best_epoch, strict.stop_epoch) == (3, 5)  # 0.84 and 0.835 are not enough
    assert strict.checkpoint_epoch == 5  # a checkpoint still keeps the lowest value seen


def test_max_mode_for_accuracy():
    outcome = simulate_early_stopping([0.5, 0.7, 0.69, 0.68], patience=2, mode="max")
    assert (outcome.best_epoch, outcome.stop_epoch) == (2, 4)


def test_agrees_with_lightning_on_random_sequences():
    rng = np.random.default_rng(0)
    for _ in range(3):
        values = (1.0 / np.arange(1, 13) + rng.normal(0, 0.05, 12)).round(4).tolist()
        ours = simulate_early_stopping(values, patience=2, min_delta=0.01)
        theirs = lightning_early_stopping(values, patience=2, min_delta=0.01)
        assert theirs["stop_epoch"] == ours.stop_epoch
        assert theirs["best_epoch"] == ours.checkpoint_epoch


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="patience"):
        simulate_early_stopping([1.0], patience=-1)
    with pytest.raises(ValueError, match="mode"):
        simulate_early_stopping([1.0], patience=1, mode="up")
    with pytest.raises(ValueError, match="at least one"):
        simulate_early_stopping([], patience=1)

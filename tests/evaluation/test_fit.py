"""Fit diagnosis on synthetic curves of each kind and on the course's worked numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dl_lab.diagnostics.curves import KINDS, synthetic_history
from dl_lab.evaluation.fit import (
    REMEDIES,
    FitThresholds,
    diagnose_fit,
    fit_diagnosis_tags,
    labels_by_epoch,
    recommend_complexity,
)


def flat_history(train_acc: float, val_acc: float, epochs: int = 5) -> pd.DataFrame:
    """Curves that have levelled off at the given final accuracies (course 1.17's numbers)."""
    rows = []
    for epoch in range(1, epochs + 1):
        settle = 1.0 if epoch >= 2 else 1.5  # one falling epoch, then flat
        rows.append(
            {
                "epoch": epoch,
                "train_loss": (1.1 - train_acc) * settle,
                "val_loss": (1.1 - val_acc) * settle,
                "train_acc": train_acc / settle,
                "val_acc": val_acc / settle,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("epochs", [12, 25])
def test_each_synthetic_regime_is_recognised(kind, epochs):
    diagnosis = diagnose_fit(synthetic_history(kind, epochs=epochs, seed=epochs))
    assert diagnosis.label == kind
    assert diagnosis.remedies == REMEDIES[kind]


@pytest.mark.parametrize(
    ("train_acc", "val_acc", "label"),
    [(0.95, 0.70, "overfitting"), (0.60, 0.58, "underfitting"), (0.90, 0.88, "good_fit")],
)
def test_course_1_17_examples_after_five_epochs(train_acc, val_acc, label):
    diagnosis = diagnose_fit(flat_history(train_acc, val_acc))
    assert diagnosis.label == label
    assert diagnosis.evidence["final_gap"] == pytest.approx(train_acc - val_acc)


def test_evidence_on_the_course_1_16_validation_sequence():
    history = pd.DataFrame(
        {
            "epoch": range(1, 7),
            "train_loss": [1.05, 0.85, 0.65, 0.45, 0.35, 0.25],
            "val_loss": [0.95, 0.80, 0.70, 0.75, 0.79, 0.82],
        }
    )
    diagnosis = diagnose_fit(history)
    e = diagnosis.evidence
    assert (e["best_val_epoch"], e["epochs_after_best"]) == (3, 3)
    assert e["val_loss_rise"] == pytest.approx((0.82 - 0.70) / 0.70)
    assert e["gap_kind"] == "relative_loss"
    assert diagnosis.label == "overfitting"
    assert "epoch 3" in diagnosis.reason


def test_thresholds_come_from_the_caller():
    history = flat_history(0.92, 0.80)  # gap 0.12
    assert diagnose_fit(history).label == "overfitting"
    assert diagnose_fit(history, FitThresholds(overfit_gap=0.15)).label == "good_fit"
    assert diagnose_fit(history, FitThresholds(underfit_train_acc=0.95)).label == "underfitting"


def test_low_training_level_is_underfitting_even_with_a_gap():
    """Course 1.9: high train error and higher val error is underfitting first."""
    assert diagnose_fit(flat_history(0.70, 0.50)).label == "underfitting"


def test_val_loss_rise_without_falling_train_loss_is_not_overfitting():
    """A run that collapses to chance (measured at lr 0.5 without normalization) is not
    memorizing: its val loss rises but its training loss stays put."""
    history = pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "train_loss": [2.258, 2.216, 2.257],
            "val_loss": [1.411, 2.304, 2.308],
            "train_acc": [0.276, 0.212, 0.180],
            "val_acc": [0.585, 0.100, 0.100],
        }
    )
    diagnosis = diagnose_fit(history)
    assert diagnosis.evidence["val_loss_rise"] > 0.10
    assert diagnosis.evidence["train_loss_drop_after_best"] == pytest.approx(0.0007, abs=1e-3)
    assert diagnosis.label == "underfitting"


def test_non_finite_loss_is_diverged():
    history = flat_history(0.9, 0.88)
    history.loc[4, "train_loss"] = math.nan
    diagnosis = diagnose_fit(history)
    assert diagnosis.label == "diverged"
    assert "lower the learning rate" in diagnosis.remedies


def test_label_moves_with_the_epoch_budget():
    labels = labels_by_epoch(synthetic_history("overfitting", epochs=20))
    assert labels.iloc[2] == "still_improving"  # early on the val loss still falls
    assert labels.iloc[-1] == "overfitting"
    assert list(labels.index) == list(range(1, 21))


def test_tags_name_the_label_and_the_numbers():
    tags = fit_diagnosis_tags(synthetic_history("overfitting", epochs=20))
    assert tags["fit_diagnosis"] == "overfitting"
    assert "val-loss min at epoch 6/20" in tags["fit_evidence"]
    assert fit_diagnosis_tags(pd.DataFrame())["fit_diagnosis"] == "no_history"


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="val_loss"):
        diagnose_fit(pd.DataFrame({"epoch": [1], "train_loss": [1.0]}))
    with pytest.raises(ValueError, match="empty"):
        diagnose_fit(pd.DataFrame(columns=["epoch", "train_loss", "val_loss"]))
    with pytest.raises(ValueError, match="overfit_gap"):
        FitThresholds(overfit_gap=1.5)
    with pytest.raises(ValueError, match="improving_window"):
        FitThresholds(improving_window=0)


@pytest.mark.parametrize(
    ("train_acc", "val_acc", "advice"),
    [(0.98, 0.80, "decrease"), (0.60, 0.58, "increase"), (0.90, 0.88, "keep")],
)
def test_recommend_complexity_course_1_9(train_acc, val_acc, advice):
    assert recommend_complexity(train_acc, val_acc) == advice

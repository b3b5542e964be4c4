"""Fit diagnosis from learning curves (course 1.9, 1.17).

``diagnose_fit`` reads a per-epoch history (the columns ``HistoryCallback`` writes:
``epoch``, ``train_loss``, ``val_loss`` and, for classifiers, ``train_acc``, ``val_acc``)
and names the regime with the numbers behind it. The rules, first match wins:

1. ``diverged``: a loss is NaN or infinite.
2. ``overfitting``: the validation loss has risen ``overfit_val_rise`` (relative) above a
   minimum reached earlier while the training loss kept falling (by at least
   ``overfit_train_drop``, relative: the model still fits the training set better), or the
   final train-val
   gap is at least ``overfit_gap`` while the training level is fine (a model that has not
   learnt the training set is underfitting first, as course 1.9 puts it: high train and
   high val error).
3. ``still_improving``: the validation loss still falls by ``improving_rate`` (relative)
   per epoch over the last ``improving_window`` epochs; judge after more epochs.
4. ``underfitting``: the training level is low (accuracy below ``underfit_train_acc``, or
   for loss-only histories a training loss above ``underfit_train_loss`` when one is set).
5. ``good_fit``: none of the above.

The gap is in accuracy when accuracies are present, else the relative loss gap
``(val_loss - train_loss) / |val_loss|`` against ``overfit_loss_gap``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

Label = Literal["diverged", "overfitting", "still_improving", "underfitting", "good_fit"]
LABELS: tuple[str, ...] = ("diverged", "overfitting", "still_improving", "underfitting", "good_fit")

REMEDIES: dict[str, list[str]] = {
    "diverged": [
        "lower the learning rate",
        "clip gradients",
        "check inputs for NaN/Inf and their scale",
    ],
    "overfitting": [
        "early stopping at the validation-loss minimum (restore the best weights)",
        "L2 / weight decay",
        "dropout",
        "data augmentation",
        "more training data",
        "a smaller model",
    ],
    "still_improving": [
        "train for more epochs",
        "keep early stopping with patience to find the minimum",
        "a learning-rate schedule (cosine, one-cycle) to converge within the budget",
    ],
    "underfitting": [
        "more capacity (layers or units)",
        "train longer or with a larger learning rate",
        "less regularization (smaller weight decay or dropout)",
        "a better-suited architecture or features",
    ],
    "good_fit": ["keep the configuration", "early stopping to save compute"],
}


@dataclass(frozen=True)
class FitThresholds:
    """Cut-offs of ``diagnose_fit``; accuracies are fractions in [0, 1]."""

    underfit_train_acc: float = 0.80
    """Final training accuracy below this: the model has not learnt the training set."""
    overfit_gap: float = 0.10
    """Final train-minus-val accuracy at or above this: it does not generalize."""
    overfit_val_rise: float = 0.10
    """Final val loss this fraction above its (earlier) minimum: val loss has turned up."""
    overfit_train_drop: float = 0.05
    """...while the training loss fell at least this fraction after that minimum."""
    improving_window: int = 3
    """Epochs over which the recent validation-loss trend is measured."""
    improving_rate: float = 0.02
    """Mean relative val-loss drop per epoch over the window at or above this: improving."""
    overfit_loss_gap: float = 0.5
    """Loss-only histories: (val - train) / |val| at or above this counts as a large gap."""
    underfit_train_loss: float | None = None
    """Loss-only histories: training loss above this is underfitting (None: rule skipped)."""

    def __post_init__(self) -> None:
        fractions = (
            "underfit_train_acc",
            "overfit_gap",
            "overfit_val_rise",
            "overfit_train_drop",
            "improving_rate",
        )
        for name in fractions:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"FitThresholds.{name} must be in [0, 1], got {value}")
        if self.improving_window < 1:
            raise ValueError(
                f"FitThresholds.improving_window must be >= 1, got {self.improving_window}"
            )
        if self.overfit_loss_gap <= 0:
            raise ValueError(
                f"FitThresholds.overfit_loss_gap must be > 0, got {self.overfit_loss_gap}"
            )


@dataclass(frozen=True)
class FitDiagnosis:
    """The regime, the numbers it rests on, why, and what to try next."""

    label: Label
    evidence: dict[str, Any]
    remedies: list[str] = field(default_factory=list)
    reason: str = ""


REQUIRED = ("epoch", "train_loss", "val_loss")


def _check_history(history: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED if c not in history]
    if missing:
        raise ValueError(
            f"history lacks column(s) {missing}; needs {list(REQUIRED)} "
            f"(+ train_acc, val_acc for classifiers), has {list(history.columns)}"
        )
    if history.empty:
        raise ValueError("history is empty: no epoch to diagnose")


def fit_evidence(history: pd.DataFrame, thresholds: FitThresholds) -> dict[str, Any]:
    """The numbers the diagnosis rests on, from the final epoch and the val-loss curve."""
    _check_history(history)
    last = history.iloc[-1]
    val = history["val_loss"].to_numpy(dtype=float)
    finite = bool(np.isfinite(history[["train_loss", "val_loss"]].to_numpy(dtype=float)).all())
    has_acc = {"train_acc", "val_acc"} <= set(history.columns)
    evidence: dict[str, Any] = {
        "epochs": len(history),
        "finite": finite,
        "final_train_loss": float(last["train_loss"]),
        "final_val_loss": float(last["val_loss"]),
        "gap_kind": "accuracy" if has_acc else "relative_loss",
    }
    if has_acc:
        evidence["final_train_acc"] = float(last["train_acc"])
        evidence["final_val_acc"] = float(last["val_acc"])
        evidence["final_gap"] = float(last["train_acc"] - last["val_acc"])
    else:
        evidence["final_gap"] = float(
            (last["val_loss"] - last["train_loss"]) / abs(last["val_loss"])
        )
    if finite:
        best = int(np.argmin(val))
        evidence["best_val_epoch"] = int(history["epoch"].iloc[best])
        evidence["val_loss_min"] = float(val[best])
        evidence["val_loss_rise"] = float((val[-1] - val[best]) / max(abs(val[best]), 1e-12))
        evidence["epochs_after_best"] = len(val) - 1 - best
        train = history["train_loss"].to_numpy(dtype=float)
        evidence["train_loss_drop_after_best"] = float(
            (train[best] - train[-1]) / max(abs(train[best]), 1e-12)
        )
        window = min(thresholds.improving_window, len(val) - 1)
        evidence["val_loss_trend"] = (
            float((val[-1 - window] - val[-1]) / (window * max(abs(val[-1 - window]), 1e-12)))
            if window >= 1
            else math.nan
        )
    return evidence


def _low_training_level(evidence: dict[str, Any], t: FitThresholds) -> bool:
    if evidence["gap_kind"] == "accuracy":
        return evidence["final_train_acc"] < t.underfit_train_acc
    return (
        t.underfit_train_loss is not None and evidence["final_train_loss"] > t.underfit_train_loss
    )


def _decide(evidence: dict[str, Any], t: FitThresholds) -> tuple[Label, str]:
    if not evidence["finite"]:
        return "diverged", "a training or validation loss is NaN or infinite"
    gap_limit = t.overfit_gap if evidence["gap_kind"] == "accuracy" else t.overfit_loss_gap
    low = _low_training_level(evidence, t)
    rose = evidence["epochs_after_best"] >= 1 and evidence["val_loss_rise"] >= t.overfit_val_rise
    if rose and evidence["train_loss_drop_after_best"] >= t.overfit_train_drop:
        return "overfitting", (
            f"val loss rose {evidence['val_loss_rise']:.0%} after its minimum at epoch "
            f"{evidence['best_val_epoch']} (threshold {t.overfit_val_rise:.0%}) while the "
            f"training loss fell {evidence['train_loss_drop_after_best']:.0%}"
        )
    if evidence["final_gap"] >= gap_limit and not low:
        return "overfitting", f"final gap {evidence['final_gap']:.3f} >= {gap_limit}"
    if evidence["val_loss_trend"] >= t.improving_rate:
        return "still_improving", (
            f"val loss still falls {evidence['val_loss_trend']:.1%} per epoch over the last "
            f"epochs (threshold {t.improving_rate:.1%})"
        )
    if low:
        return "underfitting", "training level is low: the model has not learnt the training set"
    return "good_fit", f"gap {evidence['final_gap']:.3f} < {gap_limit}, val loss has levelled off"


def diagnose_fit(history: pd.DataFrame, thresholds: FitThresholds | None = None) -> FitDiagnosis:
    """Classify a run's learning curves as diverged / overfitting / still improving /
    underfitting / good fit, with the evidence and the remedies."""
    thresholds = thresholds or FitThresholds()
    evidence = fit_evidence(history, thresholds)
    label, reason = _decide(evidence, thresholds)
    return FitDiagnosis(label, evidence, list(REMEDIES[label]), reason)


def labels_by_epoch(history: pd.DataFrame, thresholds: FitThresholds | None = None) -> pd.Series:
    """The diagnosis had training stopped after each epoch: how the label moves with epochs."""
    labels = [diagnose_fit(history.iloc[: i + 1], thresholds).label for i in range(len(history))]
    return pd.Series(labels, index=history["epoch"].to_numpy(), name="fit_diagnosis")


def fit_diagnosis_tags(
    history: pd.DataFrame, thresholds: FitThresholds | None = None
) -> dict[str, str]:
    """MLflow tags for a training run: ``fit_diagnosis`` (the label) and ``fit_evidence``."""
    if history.empty:
        return {"fit_diagnosis": "no_history", "fit_evidence": "no completed epoch"}
    diagnosis = diagnose_fit(history, thresholds)
    return {"fit_diagnosis": diagnosis.label, "fit_evidence": evidence_text(diagnosis)}


def evidence_text(diagnosis: FitDiagnosis) -> str:
    """One line of the key numbers, for a tag or a plot title."""
    e = diagnosis.evidence
    parts = []
    if e["gap_kind"] == "accuracy":
        parts.append(f"train_acc {e['final_train_acc']:.3f}, val_acc {e['final_val_acc']:.3f}")
    parts.append(f"gap {e['final_gap']:.3f}")
    if e["finite"]:
        parts.append(
            f"val-loss min at epoch {e['best_val_epoch']}/{e['epochs']} "
            f"(+{e['val_loss_rise']:.0%} after)"
        )
    return f"{', '.join(parts)}; {diagnosis.reason}"


def recommend_complexity(
    train_acc: float, val_acc: float, thresholds: FitThresholds | None = None
) -> Literal["increase", "decrease", "keep"]:
    """Course 1.9: high train error -> increase capacity; low train but high val error ->
    decrease it (or regularize); both low -> keep."""
    t = thresholds or FitThresholds()
    if train_acc < t.underfit_train_acc:
        return "increase"
    if train_acc - val_acc >= t.overfit_gap:
        return "decrease"
    return "keep"


def diagnosis_row(diagnosis: FitDiagnosis) -> dict[str, Any]:
    """A flat table row: label, reason and the evidence numbers."""
    return {"fit_diagnosis": diagnosis.label, "fit_reason": diagnosis.reason, **diagnosis.evidence}


def thresholds_dict(thresholds: FitThresholds) -> dict[str, Any]:
    """The thresholds as plain data (for logging alongside a diagnosis)."""
    return asdict(thresholds)

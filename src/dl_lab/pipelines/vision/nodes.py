"""Nodes of the vision pipeline: thin calls into ``dl_lab.training`` and ``dl_lab.reporting``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.reporting.plots import plot_confusion_matrix, plot_learning_curves
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import build_module, evaluate_classifier, fit_classifier


def run_name(study: str, variant: str, seed: int) -> str:
    """The MLflow run name of one variant and seed: ``{study}__{variant}__seed{n}``."""
    return f"{study}__{variant}__seed{seed}"


def train_model(
    model_input: dict[str, Any],
    augmentation_spec: dict[str, Any],
    variant: VariantSpec,
    trainer: TrainerConfig,
    *,
    study: str,
    variant_name: str,
    seed: int,
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """Train one variant with one seed in its own MLflow child run."""
    tags = {
        "pipeline": "vision",
        "study": study,
        "variant": variant_name,
        "seed": seed,
        "architecture": variant.architecture,
        "regularizer": variant.regularizer,
        "dataset": model_input["dataset"],
        "data_fingerprint": model_input["fingerprint"],
        "git_sha": tracking.git_sha(),
    }
    result = fit_classifier(
        model_input,
        variant,
        trainer,
        AugmentationSpec(**augmentation_spec),
        seed,
        run_name(study, variant_name, seed),
        tags,
    )
    weights = {"state_dict": result.module.state_dict(), "architecture": variant.architecture}
    fit_summary = {
        **result.summary,
        "run_id": result.run_id,
        **{k: str(v) for k, v in tags.items()},
    }
    return weights, result.history, fit_summary


def evaluate_model(
    weights: dict[str, Any],
    model_input: dict[str, Any],
    augmentation_spec: dict[str, Any],
    variant: VariantSpec,
    fit_summary: dict[str, Any],
) -> tuple[dict[str, float], pd.DataFrame]:
    """Test-split metrics and confusion matrix; the model is logged to the variant's run."""
    module = build_module(model_input, variant, AugmentationSpec(**augmentation_spec))
    module.load_state_dict(weights["state_dict"])
    metrics, confusion = evaluate_classifier(module, model_input)
    example = model_input["x_test"][:8]
    tracking.log_torch_model(fit_summary["run_id"], module.inference_model(), example)
    classes = model_input["classes"]
    return metrics, pd.DataFrame(confusion, index=classes, columns=classes)


def report_variant(
    history: pd.DataFrame,
    confusion: pd.DataFrame,
    fit_summary: dict[str, Any],
    test_metrics: dict[str, float],
) -> tuple[Figure, Figure, pd.DataFrame]:
    """Learning curves and confusion matrix, logged with the test metrics to the variant's run.

    Returns the two figures and the variant's row of the comparison table.
    """
    title = run_name(fit_summary["study"], fit_summary["variant"], int(fit_summary["seed"]))
    curves = plot_learning_curves(history, title, int(fit_summary.get("best_epoch", 0)) or None)
    matrix = plot_confusion_matrix(confusion.to_numpy(), list(confusion.columns), title)
    run_id = fit_summary["run_id"]
    tracking.log_metrics(run_id, test_metrics)
    tracking.log_figures(run_id, {"learning_curves": curves, "confusion_matrix": matrix})
    return curves, matrix, pd.DataFrame([{**fit_summary, **test_metrics}])


def compare_variants(*rows: pd.DataFrame) -> pd.DataFrame:
    """One tidy table over every variant and seed, sorted by test accuracy."""
    table = pd.concat(rows, ignore_index=True)
    return table.sort_values("test_acc", ascending=False).reset_index(drop=True)


def summarize_test_accuracy(comparison: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Best test accuracy over the study, as an MLflow metric of the parent run."""
    return {"best_test_acc": {"value": float(np.max(comparison["test_acc"])), "step": 0}}

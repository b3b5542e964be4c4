"""The per-variant template's nodes: train -> evaluate -> report, one MLflow child run each."""

from __future__ import annotations

from typing import Any

import pandas as pd
import torch
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.pipelines.vision.params import ReportConfig
from dl_lab.reporting.plots import plot_confusion_matrix, plot_learning_curves
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import (
    accuracy_on,
    build_module,
    evaluate_classifier,
    fit_classifier,
    torch_threads,
)
from dl_lab.training.regularizers import weight_histogram, weight_statistics

IDENTITY = ("study", "variant", "seed", "architecture", "regularizer")


def run_name(study: str, variant: str, seed: int) -> str:
    """The MLflow run name of one variant and seed: ``{study}__{variant}__seed{n}``."""
    return f"{study}__{variant}__seed{seed}"


def _identity(summary: dict[str, Any]) -> dict[str, Any]:
    """The identity columns of a variant's tidy rows (tags are strings; the seed is a number)."""
    return {key: int(summary[key]) if key == "seed" else summary[key] for key in IDENTITY}


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
    history = result.history.assign(**_identity(fit_summary))
    return weights, history, fit_summary


def evaluate_model(
    weights: dict[str, Any],
    model_input: dict[str, Any],
    augmentation_spec: dict[str, Any],
    variant: VariantSpec,
    fit_summary: dict[str, Any],
    report: ReportConfig,
    trainer: TrainerConfig,
) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame]:
    """Test metrics, eval-mode train/val accuracy, weight statistics, confusion, histogram.

    The train-val gap is measured on the tested weights in eval mode (no dropout, no
    augmentation), so regularizers that only lower the running training accuracy do not
    look better than they are. The model is logged to the variant's run.
    """
    module = build_module(model_input, variant, AugmentationSpec(**augmentation_spec))
    module.load_state_dict(weights["state_dict"])
    with torch_threads(trainer.num_threads):
        metrics, confusion = evaluate_classifier(module, model_input)
        train_acc = accuracy_on(module, model_input["x_train"], model_input["y_train"])
        val_acc = accuracy_on(module, model_input["x_val"], model_input["y_val"])
    metrics.update(
        train_acc_eval=train_acc, val_acc_eval=val_acc, train_val_gap_eval=train_acc - val_acc
    )
    metrics.update(weight_statistics(module.net, report.near_zero_threshold))
    edges = torch.linspace(*report.histogram_range, report.histogram_bins + 1)
    counts = weight_histogram(module.net, edges).numpy()
    histogram = pd.DataFrame(
        {"bin_left": edges[:-1].numpy(), "bin_right": edges[1:].numpy(), "count": counts}
    ).assign(**_identity(fit_summary))
    tracking.log_torch_model(
        fit_summary["run_id"], module.inference_model(), model_input["x_test"][:8]
    )
    classes = model_input["classes"]
    return metrics, pd.DataFrame(confusion, index=classes, columns=classes), histogram


def report_variant(
    history: pd.DataFrame,
    confusion: pd.DataFrame,
    fit_summary: dict[str, Any],
    eval_metrics: dict[str, float],
) -> tuple[Figure, Figure, pd.DataFrame]:
    """Learning curves and confusion matrix, logged with the metrics to the variant's run.

    Returns the two figures and the variant's row of the comparison table.
    """
    title = run_name(fit_summary["study"], fit_summary["variant"], int(fit_summary["seed"]))
    curves = plot_learning_curves(history, title, int(fit_summary.get("best_epoch", 0)) or None)
    matrix = plot_confusion_matrix(confusion.to_numpy(), list(confusion.columns), title)
    run_id = fit_summary["run_id"]
    tracking.log_metrics(run_id, eval_metrics)
    tracking.log_figures(run_id, {"learning_curves": curves, "confusion_matrix": matrix})
    return curves, matrix, pd.DataFrame([{**fit_summary, **eval_metrics}])

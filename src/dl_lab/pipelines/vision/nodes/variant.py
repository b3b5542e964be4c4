"""The per-variant template's nodes: train -> evaluate -> report, one MLflow child run each."""

# No ``from __future__ import annotations`` here: ``train_model`` is bound by the kit, and
# Kedro resolves the bound function's parameter types without this module's globals.

from typing import Any

import pandas as pd
import torch
from matplotlib.figure import Figure

from dl_lab import progress, tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.bundle import ModelInput
from dl_lab.pipelines.vision.params import ReportConfig
from dl_lab.reporting.plots import plot_confusion_matrix, plot_learning_curves
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import accuracy_on, evaluate, fit, inference_model
from dl_lab.training.regularizers import weight_histogram, weight_statistics
from dl_lab.training.runtime import limited_threads
from dl_lab.training.tasks import build_task_module

IDENTITY = ("study", "variant", "seed", "architecture", "regularizer")


def _columns(fit_summary: dict[str, Any]) -> dict[str, Any]:
    """The identity columns of a variant's tidy rows (tags are strings; the seed is a number)."""
    return {key: int(fit_summary[key]) if key == "seed" else fit_summary[key] for key in IDENTITY}


def _identity(fit_summary: dict[str, Any]) -> tracking.RunIdentity:
    """The run identity a fit summary carries."""
    study, variant, seed = (fit_summary[key] for key in ("study", "variant", "seed"))
    return tracking.RunIdentity("vision", study, variant, int(seed))


def train_model(
    data: ModelInput,
    augmentation: dict[str, Any],
    variant: VariantSpec,
    trainer: TrainerConfig,
    *,
    study: str,
    variant_name: str,
    seed: int,
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """Train one variant with one seed in its own MLflow child run."""
    identity = tracking.RunIdentity("vision", study, variant_name, seed)
    result = fit(data, variant, trainer, identity, AugmentationSpec(**augmentation))
    tags = (  # the tags fit gave the run
        identity.with_tags(architecture=variant.architecture, regularizer=variant.regularizer)
        .for_data(data)
        .tags()
    )
    weights = {"state_dict": result.module.state_dict(), "architecture": variant.architecture}
    fit_summary = {**result.summary, "run_id": result.run_id, **tags}
    return weights, result.history.assign(**_columns(fit_summary)), fit_summary


def evaluate_model(
    weights: dict[str, Any],
    data: ModelInput,
    augmentation: dict[str, Any],
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
    module = build_task_module(data, variant, AugmentationSpec(**augmentation))
    module.load_state_dict(weights["state_dict"])
    with limited_threads(trainer.num_threads):
        metrics, confusion = evaluate(module, data, trainer)
        train_acc = accuracy_on(module, *data.split("train"))
        val_acc = accuracy_on(module, *data.split("val"))
    metrics.update(
        train_acc_eval=train_acc, val_acc_eval=val_acc, train_val_gap_eval=train_acc - val_acc
    )
    metrics.update(weight_statistics(module.net, report.near_zero_threshold))
    edges = torch.linspace(*report.histogram_range, report.histogram_bins + 1)
    counts = weight_histogram(module.net, edges).numpy()
    histogram = pd.DataFrame(
        {"bin_left": edges[:-1].numpy(), "bin_right": edges[1:].numpy(), "count": counts}
    ).assign(**_columns(fit_summary))
    tracking.log_torch_model(fit_summary["run_id"], inference_model(module), data.x_test[:8])
    classes = data.classes
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
    title = _identity(fit_summary).name
    curves = plot_learning_curves(history, title, int(fit_summary.get("best_epoch", 0)) or None)
    matrix = plot_confusion_matrix(confusion.to_numpy(), list(confusion.columns), title)
    run_id = fit_summary["run_id"]
    tracking.log_metrics(run_id, eval_metrics)
    tracking.log_figures(run_id, {"learning_curves": curves, "confusion_matrix": matrix})
    identity = _identity(fit_summary)
    progress.announce(
        "vision",
        f"{identity.study}.{identity.variant}.seed{identity.seed}",
        "test_acc",
        eval_metrics["test_acc"],
        int(fit_summary.get("best_epoch", 0)) or None,
        float(fit_summary.get("wall_time_s", 0.0)),
    )
    return curves, matrix, pd.DataFrame([{**fit_summary, **eval_metrics}])

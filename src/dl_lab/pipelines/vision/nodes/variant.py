"""A study's node: every variant x seed trained on the worker pool, each in its MLflow child run.

The fits of a study are independent, so ``train_study`` hands them all to
``training.fit.fit_all``: they train in worker processes (one per core, one torch thread
each) while this process tracks the finished ones. What is computed of a trained network
(test metrics, eval-mode accuracies, weight statistics, the two figures) is computed where
it trained, by ``evaluate_trained``; this process only logs it.
"""

# No ``from __future__ import annotations`` here: ``train_study`` is bound by the kit, and
# Kedro resolves the bound function's parameter types without this module's globals.

import io
from functools import partial
from typing import Any

import pandas as pd
import torch
from pydantic import RootModel

from dl_lab import progress, tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.bundle import ModelInput
from dl_lab.pipelines.vision.params import ReportConfig
from dl_lab.reporting.plots import plot_confusion_matrix, plot_learning_curves
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import FitJob, accuracy_on, evaluate, fit_all, inference_model
from dl_lab.training.regularizers import weight_histogram, weight_statistics

IDENTITY = ("study", "variant", "seed", "architecture", "regularizer")
OUTPUTS = (
    "trained_model",
    "history",
    "fit_summary",
    "eval_metrics",
    "confusion",
    "weight_histogram",
    "summary_row",
)


class StudySpec(RootModel[dict[str, VariantSpec]]):
    """A study's variants by name (Kedro validates the whole block before any node runs)."""


def run_outputs(namespace: str) -> dict[str, str]:
    """The datasets one run of a study writes: ``<study>.<variant>.seed<n>.<output>``."""
    return {f"{namespace}.{name}": f"{namespace}.{name}" for name in OUTPUTS}


def _columns(fit_summary: dict[str, Any]) -> dict[str, Any]:
    """The identity columns of a variant's tidy rows (tags are strings; the seed is a number)."""
    return {key: int(fit_summary[key]) if key == "seed" else fit_summary[key] for key in IDENTITY}


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def evaluate_trained(
    module,
    data: ModelInput,
    history: pd.DataFrame,
    *,
    report: ReportConfig,
    title: str,
    best_epoch: int | None,
) -> dict[str, Any]:
    """What the comparison needs of one trained network, computed where it trained.

    Test metrics and confusion matrix; train and val accuracy in eval mode (no dropout, no
    augmentation), so regularizers that only lower the running training accuracy do not
    look better than they are; weight statistics and histogram; the learning curves and
    confusion matrix as PNG (logged to the run by the main process).
    """
    metrics, confusion = evaluate(module, data, TrainerConfig())  # where it trained
    train_acc = accuracy_on(module, *data.split("train"))
    val_acc = accuracy_on(module, *data.split("val"))
    metrics.update(
        train_acc_eval=train_acc, val_acc_eval=val_acc, train_val_gap_eval=train_acc - val_acc
    )
    metrics.update(weight_statistics(module.net, report.near_zero_threshold))
    edges = torch.linspace(*report.histogram_range, report.histogram_bins + 1)
    histogram = pd.DataFrame(
        {
            "bin_left": edges[:-1].numpy(),
            "bin_right": edges[1:].numpy(),
            "count": weight_histogram(module.net, edges).numpy(),
        }
    )
    figures = {
        "learning_curves": _png(plot_learning_curves(history, title, best_epoch)),
        "confusion_matrix": _png(plot_confusion_matrix(confusion, list(data.classes), title)),
    }
    return {"metrics": metrics, "confusion": confusion, "histogram": histogram, "figures": figures}


def train_study(
    data: ModelInput,
    augmentation: dict[str, Any],
    variants: StudySpec,
    trainer: TrainerConfig,
    report: ReportConfig,
    *,
    study: str,
    runs: list[tuple[str, int]],
) -> dict[str, Any]:
    """Train every ``(variant, seed)`` of ``study``; returns each run's outputs by name.

    Per run: the weights, the per-epoch history, the fit summary (best-epoch metrics,
    costs, run id and tags), the test and eval-mode metrics, the confusion matrix, the
    weight histogram and the run's row of the comparison table. The model (pytorch flavour
    with a signature), both figures and the metrics are logged to the run.
    """
    spec = AugmentationSpec(**augmentation)
    identities = [tracking.RunIdentity("vision", study, name, seed) for name, seed in runs]
    jobs = [
        FitJob(data, variants.root[identity.variant], trainer, identity, spec)
        for identity in identities
    ]
    outputs: dict[str, Any] = {}
    for index, result in fit_all(jobs, after=partial(_after, report=report)):
        outputs.update(_track_evaluation(result, jobs[index].variant, data))
    return outputs


def _after(module, data, history, summary, identity, *, report: ReportConfig) -> dict[str, Any]:
    """``evaluate_trained`` titled by the run's name (``fit_all``'s ``after``)."""
    best_epoch = int(summary.get("best_epoch", 0)) or None
    return evaluate_trained(
        module, data, history, report=report, title=identity.name, best_epoch=best_epoch
    )


def _track_evaluation(result, variant: VariantSpec, data: ModelInput) -> dict[str, Any]:
    """Log a trained run's evaluation, figures and model; its outputs by dataset name."""
    evaluation, run_id, identity = result.evaluation, result.run_id, result.identity
    fit_summary = {**result.summary, "run_id": run_id, **identity.tags()}
    columns = _columns(fit_summary)
    metrics = evaluation["metrics"]
    tracking.log_metrics(run_id, metrics)
    tracking.log_images(run_id, evaluation["figures"])
    tracking.log_torch_model(run_id, inference_model(result.module), data.x_test[:8])
    progress.announce(
        "vision",
        f"{identity.study}.{identity.variant}.seed{identity.seed}",
        "test_acc",
        metrics["test_acc"],
        result.best_epoch or None,
        float(result.summary.get("wall_time_s", 0.0)),
    )
    classes = list(data.classes)
    namespace = f"{identity.study}.{identity.variant}.seed{identity.seed}"
    values = {
        "trained_model": {
            "state_dict": result.module.state_dict(),
            "architecture": variant.architecture,
        },
        "history": result.history.assign(**columns),
        "fit_summary": fit_summary,
        "eval_metrics": metrics,
        "confusion": pd.DataFrame(evaluation["confusion"], index=classes, columns=classes),
        "weight_histogram": evaluation["histogram"].assign(**columns),
        "summary_row": pd.DataFrame([{**fit_summary, **metrics}]),
    }
    return {f"{namespace}.{name}": value for name, value in values.items()}

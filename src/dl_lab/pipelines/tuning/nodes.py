"""Nodes of the tuning pipeline: thin calls into ``dl_lab.tuning``."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.findings.tuning import TuningParams
from dl_lab.reporting import tuning as plots
from dl_lab.reporting.plots import plot_confusion_matrix
from dl_lab.tuning.final import retrain_best
from dl_lab.tuning.runs import study_identity
from dl_lab.tuning.search import run_study

PIPELINE = "tuning"


def optimize_study(
    model_input: ModelInput, tuning: TuningParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Run (or continue) the study; its trials, pruner values, importances and best config."""
    study = tuning.study()
    result = run_study(model_input, study, study_identity(PIPELINE, study, model_input, seed))
    tracking.set_tags({"study": tuning.study_name, "study_run_id": result.run_id})
    return result.trials, result.intermediate, result.importances, result.best


def plot_study(
    trials: pd.DataFrame, intermediate: pd.DataFrame, importances: pd.DataFrame
) -> tuple[Figure, Figure, Figure]:
    """Optimization history, parameter importances and intermediate values."""
    return (
        plots.plot_optimization_history(trials),
        plots.plot_param_importances(importances),
        plots.plot_intermediate_values(intermediate),
    )


def retrain_best_config(
    model_input: ModelInput, best_params: dict[str, Any], tuning: TuningParams, seed: int
) -> tuple[dict[str, Any], dict[str, Any], Figure, dict[str, dict[str, float]]]:
    """Retrain the best configuration on train+val, then test it once."""
    config = tuning.study()
    study = study_identity(PIPELINE, config, model_input, seed)
    result = retrain_best(model_input, best_params, config, study)
    weights = {"state_dict": result.module.state_dict(), "variant": best_params["variant"]}
    summary = {
        **result.test_metrics,
        "epochs": result.epochs,
        "val_acc_of_best_trial": best_params["val_acc"],
        "run_id": result.run_id,
        "model_uri": result.model_uri,
    }
    title = f"{tuning.study_name}: best, test"
    figure = plot_confusion_matrix(result.confusion, model_input.classes, title)
    metrics = {f"final_{k}": v for k, v in result.test_metrics.items()}
    metrics["best_val_acc"] = best_params["val_acc"]
    return weights, summary, figure, tracking.metric_values(metrics)

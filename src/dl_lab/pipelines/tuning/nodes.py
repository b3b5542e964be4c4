"""Nodes of the tuning pipeline: thin calls into ``dl_lab.tuning``."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.reporting import tuning as plots
from dl_lab.reporting.plots import plot_confusion_matrix
from dl_lab.tuning.config import TuningConfig
from dl_lab.tuning.final import retrain_best
from dl_lab.tuning.search import run_study


def _tags(model_input: dict[str, Any], cfg: TuningConfig, seed: int) -> dict[str, Any]:
    return {
        "pipeline": "tuning",
        "study": cfg.study_name,
        "sampler": cfg.sampler.name,
        "pruner": cfg.pruner.name,
        "seed": seed,
        "dataset": model_input["dataset"],
        "data_fingerprint": model_input["fingerprint"],
        "git_sha": tracking.git_sha(),
    }


def optimize_study(
    model_input: dict[str, Any], tuning: TuningConfig, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Run (or continue) the study; its trials, pruner values, importances and best config."""
    result = run_study(model_input, tuning, seed, _tags(model_input, tuning, seed))
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
    model_input: dict[str, Any],
    best_params: dict[str, Any],
    tuning: TuningConfig,
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any], Figure, dict[str, dict[str, float]]]:
    """Retrain the best configuration on train+val, then test it once."""
    tags = _tags(model_input, tuning, seed)
    result = retrain_best(model_input, best_params, tuning.final, seed, tags)
    weights = {"state_dict": result.module.state_dict(), "variant": best_params["variant"]}
    summary = {
        **result.test_metrics,
        "epochs": result.epochs,
        "val_acc_of_best_trial": best_params["val_acc"],
        "run_id": result.run_id,
        "model_uri": result.model_uri,
    }
    classes = model_input["classes"]
    figure = plot_confusion_matrix(result.confusion, classes, f"{tuning.study_name}: best, test")
    metrics = {f"final_{k}": {"value": float(v), "step": 0} for k, v in result.test_metrics.items()}
    metrics["best_val_acc"] = {"value": float(best_params["val_acc"]), "step": 0}
    return weights, summary, figure, metrics

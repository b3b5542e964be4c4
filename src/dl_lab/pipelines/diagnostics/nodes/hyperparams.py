"""Nodes: learning rate, schedules, batch size, epochs, optimizers (1.22, 2.8, 2.18, 2.25)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import torch
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.batching import batch_size_runs
from dl_lab.diagnostics.complexity import mlp_factory
from dl_lab.diagnostics.config import FitParams, HyperparamsParams, QuadraticParams
from dl_lab.diagnostics.optimization import classify_lr_outcomes, quadratic_trajectories
from dl_lab.evaluation.fit import diagnose_fit, labels_by_epoch
from dl_lab.reporting.diagnostics.optimization import (
    plot_batch_sizes,
    plot_epochs,
    plot_lr_sweep,
    plot_optimizers,
    plot_quadratic,
    plot_schedules,
)
from dl_lab.training.loops import LoopConfig, Splits, prepare_splits, train_classifier


def _train(data: Splits, model: dict[str, int], cfg: LoopConfig, seed: int):
    torch.manual_seed(seed)
    net = mlp_factory(data, model["depth"], model["width"])()
    return train_classifier(net, data, cfg, seed)


def sweep_learning_rates(
    model_input: ModelInput, params: HyperparamsParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, Figure, dict]:
    """Every rate of every optimizer: outcome (too small / good / too large / diverged)."""
    data = prepare_splits(model_input, params.train_size, seed)
    sweep = params.lr_sweep
    rows, histories = [], []
    for optimizer, rates in sweep.rates.items():
        results = [
            _train(data, params.model, replace(sweep.loop, optimizer=optimizer, lr=lr), seed)
            for lr in rates
        ]
        outcomes = classify_lr_outcomes(
            rates, [float(r.history["val_loss"].iloc[-1]) for r in results],
            [r.diverged for r in results], sweep.tolerance,
        )  # fmt: skip
        for lr, result, outcome in zip(rates, results, outcomes, strict=True):
            last = result.history.iloc[-1]
            rows.append({"optimizer": optimizer, "lr": lr, "outcome": outcome,
                         "diverged": result.diverged, "diverged_epoch": result.diverged_epoch,
                         "final_train_loss": last["train_loss"], "final_val_loss": last["val_loss"],
                         "final_val_acc": last["val_acc"],
                         "fit_diagnosis": diagnose_fit(result.history, fit.thresholds).label})  # fmt: skip
            histories.append(result.history.assign(optimizer=optimizer, lr=lr))
    table = pd.DataFrame(rows)
    largest = table.loc[table.groupby("optimizer")["lr"].idxmax()]
    flags = {
        f"lr_sweep_{r.optimizer}_largest_diverged": float(r.diverged) for r in largest.itertuples()
    }
    return table, plot_lr_sweep(pd.concat(histories), table), tracking.metric_values(flags)


def compare_schedules(
    model_input: ModelInput, params: HyperparamsParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, Figure]:
    """Constant, step, cosine, one-cycle and reduce-on-plateau on the same run."""
    data = prepare_splits(model_input, params.train_size, seed)
    rows, histories = [], []
    for name in params.schedules.names:
        result = _train(data, params.model, replace(params.schedules.loop, schedule=name), seed)
        history = result.history.assign(schedule=name, lr=result.lrs)
        histories.append(history)
        rows.append({"schedule": name, "final_val_loss": history["val_loss"].iloc[-1],
                     "final_val_acc": history["val_acc"].iloc[-1],
                     "best_val_acc": history["val_acc"].max(), "diverged": result.diverged,
                     "fit_diagnosis": diagnose_fit(result.history, fit.thresholds).label})  # fmt: skip
    return pd.DataFrame(rows), plot_schedules(pd.concat(histories, ignore_index=True))


def compare_batch_sizes(
    model_input: ModelInput, params: HyperparamsParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, Figure]:
    """Full batch vs single sample vs mini-batch: loss vs updates and vs wall clock."""
    data = prepare_splits(model_input, params.train_size, seed)
    p = params.batch_size
    make = mlp_factory(data, params.model["depth"], params.model["width"])
    trace, table = batch_size_runs(
        make, data, list(p.sizes), p.lr, p.epochs, p.evals_per_epoch, seed=seed
    )
    return trace, table, plot_batch_sizes(trace)


def study_epochs(
    model_input: ModelInput, params: HyperparamsParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, Figure]:
    """One long run on a small subset; the diagnosis had training stopped at each epoch."""
    data = prepare_splits(model_input, params.epochs.train_size, seed)
    result = _train(data, params.model, params.epochs.loop, seed)
    labels = labels_by_epoch(result.history, fit.thresholds)
    table = result.history.assign(fit_diagnosis=labels.to_numpy())
    return table, plot_epochs(result.history, labels)


def compare_optimizers(
    model_input: ModelInput, params: HyperparamsParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, Figure]:
    """SGD, momentum, Nesterov, Adam, RMSprop at their usual rates on the same MLP."""
    data = prepare_splits(model_input, params.train_size, seed)
    rows, histories = [], []
    for name, lr in params.optimizers.rates.items():
        result = _train(
            data, params.model, replace(params.optimizers.loop, optimizer=name, lr=lr), seed
        )
        histories.append(result.history.assign(run=name))
        rows.append({"optimizer": name, "lr": lr, "final_train_loss": result.history["train_loss"].iloc[-1],
                     "final_val_acc": result.history["val_acc"].iloc[-1], "diverged": result.diverged,
                     "train_time_s": result.train_time_s,
                     "fit_diagnosis": diagnose_fit(result.history, fit.thresholds).label})  # fmt: skip
    return pd.DataFrame(rows), plot_optimizers(pd.concat(histories, ignore_index=True))


def optimize_quadratic(params: QuadraticParams) -> tuple[pd.DataFrame, pd.DataFrame, Figure]:
    """Optimizer trajectories on the ill-conditioned quadratic: zig-zag vs momentum."""
    paths, table = quadratic_trajectories(
        params.quadratic, params.runs, params.steps, params.tolerance
    )
    return paths, table, plot_quadratic(paths, params.quadratic)

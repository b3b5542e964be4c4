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
from dl_lab.diagnostics.config import FitParams, HyperparamsParams, QuadraticParams, Seeds
from dl_lab.diagnostics.jobs import first_seed, seeded_splits
from dl_lab.diagnostics.optimization import learning_rate_sweep, quadratic_trajectories
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
    model_input: ModelInput, params: HyperparamsParams, fit: FitParams, seeds: Seeds
) -> tuple[pd.DataFrame, Figure, dict]:
    """Every rate of every optimizer on each seed: outcome (too small / good / too large /
    diverged); metrics: the share of seeds on which each optimizer's largest rate diverged."""
    data = seeded_splits(model_input, params.train_size, list(seeds))
    factory = mlp_factory(next(iter(data.values())), params.model["depth"], params.model["width"])
    sweep = params.lr_sweep
    table, histories = learning_rate_sweep(
        factory, data, sweep.rates, sweep.loop, sweep.tolerance, fit.thresholds
    )
    largest = table[table["lr"] == table.groupby("optimizer")["lr"].transform("max")]
    flags = {f"lr_sweep_{name}_largest_diverged": float(part["diverged"].mean())
             for name, part in largest.groupby("optimizer", sort=False)}  # fmt: skip
    figure = plot_lr_sweep(first_seed(histories), first_seed(table))
    return table, figure, tracking.metric_values(flags)


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
    model_input: ModelInput, params: HyperparamsParams, seeds: Seeds
) -> tuple[pd.DataFrame, pd.DataFrame, Figure]:
    """Full batch vs single sample vs mini-batch on each seed: loss vs updates and vs wall
    clock."""
    data = seeded_splits(model_input, params.train_size, list(seeds))
    p = params.batch_size
    make = mlp_factory(next(iter(data.values())), params.model["depth"], params.model["width"])
    trace, table = batch_size_runs(make, data, list(p.sizes), p.lr, p.epochs, p.evals_per_epoch)
    return trace, table, plot_batch_sizes(first_seed(trace))


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

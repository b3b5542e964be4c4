"""Samplers and pruners by name: a registry each instead of an if/elif ladder.

A sampler builder takes ``n_startup_trials``, the grid (for ``grid``) and a seed; a pruner
builder takes its options and the trial's epoch budget (Hyperband's maximum resource).
"""

from __future__ import annotations

from typing import Any

import optuna

from dl_lab.registry import Registry

SAMPLERS: Registry[optuna.samplers.BaseSampler] = Registry("sampler")
PRUNERS: Registry[optuna.pruners.BasePruner] = Registry("pruner")


@SAMPLERS.register("tpe")
def tpe(n_startup_trials: int, grid: dict[str, list[Any]], seed: int):
    """Tree-structured Parzen Estimator (Bergstra et al. 2011)."""
    return optuna.samplers.TPESampler(n_startup_trials=n_startup_trials, seed=seed)


@SAMPLERS.register("random")
def random(n_startup_trials: int, grid: dict[str, list[Any]], seed: int):
    """Random search (Bergstra & Bengio 2012)."""
    return optuna.samplers.RandomSampler(seed=seed)


@SAMPLERS.register("grid")
def grid(n_startup_trials: int, grid: dict[str, list[Any]], seed: int):
    """Every combination of the declared values, in a seeded order."""
    return optuna.samplers.GridSampler(grid, seed=seed)


@SAMPLERS.register("cmaes")
def cmaes(n_startup_trials: int, grid: dict[str, list[Any]], seed: int):
    """CMA-ES (Hansen 2016) on the ranges; categorical choices are drawn at random."""
    return optuna.samplers.CmaEsSampler(
        n_startup_trials=n_startup_trials, seed=seed, warn_independent_sampling=False
    )


@PRUNERS.register("median")
def median(n_startup_trials: int, n_warmup_steps: int, reduction_factor: int, max_epochs: int):
    """Stop a trial that is below the median of earlier trials at the same epoch."""
    return optuna.pruners.MedianPruner(n_startup_trials, n_warmup_steps)


@PRUNERS.register("hyperband")
def hyperband(n_startup_trials: int, n_warmup_steps: int, reduction_factor: int, max_epochs: int):
    """Hyperband (Li et al. 2018) with epochs as the resource."""
    return optuna.pruners.HyperbandPruner(1, max_epochs, reduction_factor)


@PRUNERS.register("successive_halving")
def successive_halving(
    n_startup_trials: int, n_warmup_steps: int, reduction_factor: int, max_epochs: int
):
    """Asynchronous successive halving (Li et al. 2020): rungs at 1, eta, eta^2... epochs;
    a trial goes on past a rung only if it is in the top 1/eta of the trials that reached it."""
    return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=reduction_factor)


@PRUNERS.register("none")
def no_pruning(n_startup_trials: int, n_warmup_steps: int, reduction_factor: int, max_epochs: int):
    """Every trial runs all its epochs."""
    return optuna.pruners.NopPruner()

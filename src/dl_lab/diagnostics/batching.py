"""Batch size vs convergence (course 1.22, 2.25): full batch, single sample, mini-batch.

Every run sees the same number of epochs (the same number of sample gradients, so about
the same FLOPs) with the same SGD learning rate; what differs is how many updates that
buys and what each costs on the clock. The training loss is measured on a fixed sample of
the training set at evenly spaced points, and the clock runs only while training.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from dl_lab.diagnostics.jobs import SEED, with_seed
from dl_lab.parallel import run_points
from dl_lab.training.loops import Splits, evaluate


def _checkpoints(updates_per_epoch: int, epochs: int, evals_per_epoch: int) -> set[int]:
    total = updates_per_epoch * epochs
    count = max(1, min(total, evals_per_epoch * epochs))
    return {int(round(u)) for u in np.linspace(0, total, count + 1)}


def _one_size(
    model: nn.Module, splits: Splits, batch: int, lr: float, epochs: int,
    evals_per_epoch: int, probe: torch.Tensor, seed: int,
) -> tuple[list[dict], dict]:  # fmt: skip
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    n = len(splits.y_train)
    per_epoch = math.ceil(n / batch)
    marks = _checkpoints(per_epoch, epochs, evals_per_epoch)
    rows, clock, updates, batch_losses = [], 0.0, 0, []
    for _ in range(epochs):
        for idx in torch.randperm(n, generator=generator).split(batch):
            if updates in marks:
                loss, _ = evaluate(model, splits.x_train[probe], splits.y_train[probe])
                rows.append({"updates": updates, "wall_s": clock, "train_loss": loss})
            start = time.perf_counter()
            loss = F.cross_entropy(model(splits.x_train[idx]), splits.y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            clock += time.perf_counter() - start
            updates += 1
            batch_losses.append(float(loss.detach()))
    final, _ = evaluate(model, splits.x_train[probe], splits.y_train[probe])
    rows.append({"updates": updates, "wall_s": clock, "train_loss": final})
    val_loss, val_acc = evaluate(model, splits.x_eval, splits.y_eval)
    last_epoch = batch_losses[-per_epoch:]
    summary = {
        "updates_per_epoch": per_epoch, "updates": updates, "train_time_s": clock,
        "time_per_epoch_s": clock / epochs, "time_per_update_ms": 1000 * clock / updates,
        "final_train_loss": final, "val_loss": val_loss, "val_acc": val_acc,
        "batch_loss_std_last_epoch": float(np.std(last_epoch)) if len(last_epoch) > 1 else 0.0,
    }  # fmt: skip
    return rows, summary


def batch_point(
    make_model: Callable[[], nn.Module], splits: Splits, size: int | None, lr: float, epochs: int,
    evals_per_epoch: int, probe_size: int, seed: int,
) -> tuple[pd.DataFrame, dict]:  # fmt: skip
    """One job: a fresh model trained with batch ``size`` (None: full batch) on one seed."""
    n = len(splits.y_train)
    probe = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:probe_size]
    batch = n if size is None else size
    label = "full" if size is None else str(size)
    torch.manual_seed(seed)
    rows, summary = _one_size(make_model(), splits, batch, lr, epochs, evals_per_epoch, probe, seed)
    trace = pd.DataFrame(rows).assign(batch=label, batch_size=batch)
    return trace, {"batch": label, "batch_size": batch, **summary}


def batch_size_runs(
    make_model: Callable[[], nn.Module],
    splits: dict[int, Splits],
    batch_sizes: list[int | None],
    lr: float,
    epochs: int,
    evals_per_epoch: int = 20,
    probe_size: int = 512,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train one fresh model per batch size (``None``: the full training set) on each seed
    of ``splits`` (one job each; ``make_model`` picklable).

    Returns the loss trace (``seed``, ``batch``, ``updates``, ``wall_s``, ``train_loss``) and
    a per-(seed, size) summary (updates, time, final losses, validation accuracy).
    """
    for part in splits.values():
        n = len(part.y_train)
        bad = [s for s in batch_sizes if s is not None and not 1 <= s <= n]
        if bad:
            raise ValueError(f"batch size must be in [1, {n}] or None (full batch), got {bad[0]}")
    points = [(seed, size) for seed in splits for size in batch_sizes]
    jobs = [{"make_model": make_model, "splits": splits[seed], "size": size, "lr": lr,
             "epochs": epochs, "evals_per_epoch": evals_per_epoch, "probe_size": probe_size,
             "seed": seed} for seed, size in points]  # fmt: skip
    results = run_points(batch_point, jobs)
    seeds = [seed for seed, _ in points]
    traces = [with_seed(trace, seed) for seed, (trace, _) in zip(seeds, results, strict=True)]
    summaries = [{SEED: seed, **row} for seed, (_, row) in zip(seeds, results, strict=True)]
    return pd.concat(traces, ignore_index=True), pd.DataFrame(summaries)

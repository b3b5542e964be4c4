"""Node for XOR with 2-h-1 MLPs over many seeds (2.10)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.config import XorParams
from dl_lab.fundamentals.xor import XorRun, train_xor_seeds
from dl_lab.reporting.fundamentals.neurons import (
    plot_xor_boundaries,
    plot_xor_hidden,
    plot_xor_losses,
)
from dl_lab.tracking import metric_values


def _examples(runs: list[XorRun]) -> list[XorRun]:
    """Per hidden size: the first solved run and, if any, the first unsolved one."""
    picked = []
    for size in dict.fromkeys(r.hidden for r in runs):
        of_size = [r for r in runs if r.hidden == size]
        for solved in (True, False):
            picked += [r for r in of_size if r.solved is solved][:1]
    return picked


def train_xor_nets(
    params: XorParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, Figure, Figure, Figure, dict]:
    """Success rate of 2-h-1 nets on XOR over seeds; boundaries and hidden representations."""
    settings = params.model_dump(exclude={"hidden_sizes", "n_seeds"})
    runs = [
        run
        for hidden in params.hidden_sizes
        for run in train_xor_seeds(hidden, params.n_seeds, seed, **settings)
    ]
    table = pd.DataFrame([run.summary() for run in runs])
    summary = (
        table.groupby("hidden")
        .agg(n_seeds=("solved", "size"), solved=("solved", "sum"), success_rate=("solved", "mean"))
        .reset_index()
    )
    summary = summary.assign(**settings)
    examples = _examples(runs)
    solved_examples = [r for r in examples if r.solved] or examples
    metrics = {
        f"xor_success_rate_2_{h}_1": rate
        for h, rate in zip(summary["hidden"], summary["success_rate"], strict=True)
    }
    return (
        table,
        summary,
        plot_xor_boundaries(examples),
        plot_xor_hidden(solved_examples),
        plot_xor_losses(runs),
        metric_values(metrics),
    )

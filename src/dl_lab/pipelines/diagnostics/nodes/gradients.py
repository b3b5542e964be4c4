"""Node: gradient flow through a deep MLP (2.16, 2.21, 2.24)."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.config import GradientFlowParams, Seeds
from dl_lab.diagnostics.gradient_flow import cure_questions, gradient_flow
from dl_lab.diagnostics.jobs import first_seed, seeded_splits
from dl_lab.reporting.diagnostics.gradients import plot_gradient_flow


def measure_gradient_flow(
    model_input: ModelInput, params: GradientFlowParams, seeds: Seeds
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, dict]:
    """Per-layer gradient norms of every case on each seed; summary; findings; figure (first
    seed); the mean log10 first/last ratio over seeds as metrics."""
    names = [c.name for c in params.cases]
    unknown = [name for name in (params.baseline, *params.cures) if name not in names]
    if unknown:
        raise ValueError(
            f"gradient_flow: baseline/cures {unknown} are not among the cases; cases: {names}"
        )
    data = seeded_splits(model_input, params.train_size, list(seeds))
    norms, summary, losses = gradient_flow(params.cases, data, params.settings)
    findings = cure_questions(summary, params.baseline, params.cures)
    ratios = {}
    for case, part in summary.groupby("case", sort=False):
        values = part["first_last_ratio_init"]
        if (values > 0).all() and values.map(math.isfinite).all():
            ratios[f"grad_ratio_log10_{case}"] = float(values.map(math.log10).mean())
    figure = plot_gradient_flow(first_seed(norms), first_seed(losses))
    return norms, summary, findings, figure, tracking.metric_values(ratios)

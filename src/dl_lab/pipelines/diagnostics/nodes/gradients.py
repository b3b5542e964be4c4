"""Node: gradient flow through a deep MLP (2.16, 2.21, 2.24)."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.config import GradientFlowParams
from dl_lab.diagnostics.gradient_flow import cure_questions, gradient_flow
from dl_lab.reporting.diagnostics.gradients import plot_gradient_flow
from dl_lab.training.loops import prepare_splits


def measure_gradient_flow(
    model_input: ModelInput, params: GradientFlowParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, dict]:
    """Per-layer gradient norms of every case; summary; findings; figure; ratios as metrics."""
    if params.baseline not in {c.name for c in params.cases}:
        raise ValueError(f"baseline {params.baseline!r} is not among the gradient-flow cases")
    data = prepare_splits(model_input, params.train_size, seed)
    norms, summary, losses = gradient_flow(params.cases, data, params.settings, seed)
    findings = cure_questions(summary, params.baseline, params.cures)
    ratios = {
        f"grad_ratio_log10_{row.case}": math.log10(row.first_last_ratio_init)
        for row in summary.itertuples()
        if row.first_last_ratio_init > 0
    }
    return (
        norms,
        summary,
        findings,
        plot_gradient_flow(norms, losses),
        tracking.metric_values(ratios),
    )

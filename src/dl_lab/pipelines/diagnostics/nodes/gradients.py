"""Node: gradient flow through a deep MLP (2.16, 2.21, 2.24)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from dl_lab.diagnostics.gradient_flow import VANISHING, gradient_flow
from dl_lab.pipelines.diagnostics.nodes._common import metrics, splits
from dl_lab.pipelines.diagnostics.params import GradientFlowParams
from dl_lab.reporting.diagnostics.gradients import plot_gradient_flow


def _findings(summary: pd.DataFrame, baseline: str, cures: list[str]) -> pd.DataFrame:
    """The acceptance questions answered from the measured ratios."""
    by_case = summary.set_index("case")
    ratio = by_case.loc[baseline, "first_last_ratio_init"]
    rows = [
        {"question": f"is {baseline}'s first-layer gradient >= 100x smaller than its last's?",
         "answer": "yes" if ratio <= VANISHING else "no",
         "evidence": f"first/last = {ratio:.3g} at the first update"},
    ]  # fmt: skip
    for cure in cures:
        if cure not in by_case.index:
            raise ValueError(
                f"cure {cure!r} is not a gradient-flow case; cases: {list(by_case.index)}"
            )
        case = by_case.loc[cure]
        healthy = case["verdict_init"] == "healthy" and case["verdict_training"] == "healthy"
        rows.append(
            {"question": f"does {cure} cure it?", "answer": "yes" if healthy else "no",
             "evidence": f"first/last = {case['first_last_ratio_init']:.3g} at init, median "
                         f"{case['first_last_ratio_median']:.3g} in training; "
                         f"val_acc {case['val_acc']:.3f} vs {by_case.loc[baseline, 'val_acc']:.3f}"}
        )  # fmt: skip
    return pd.DataFrame(rows)


def measure_gradient_flow(
    model_input: dict[str, Any], params: GradientFlowParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, dict]:
    """Per-layer gradient norms of every case; summary; findings; figure; ratios as metrics."""
    if params.baseline not in {c.name for c in params.cases}:
        raise ValueError(f"baseline {params.baseline!r} is not among the gradient-flow cases")
    data = splits(model_input, params.train_size, seed)
    norms, summary, losses = gradient_flow(params.cases, data, params.settings, seed)
    findings = _findings(summary, params.baseline, params.cures)
    ratios = {
        f"grad_ratio_log10_{row.case}": math.log10(row.first_last_ratio_init)
        for row in summary.itertuples()
        if row.first_last_ratio_init > 0
    }
    return norms, summary, findings, plot_gradient_flow(norms, losses), metrics(ratios)

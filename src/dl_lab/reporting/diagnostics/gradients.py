"""Gradient-flow figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_gradient_flow(norms: pd.DataFrame, losses: pd.DataFrame) -> Figure:
    """Per-layer gradient norm at the first update (log), first/last ratio over training,
    and the training loss, one line per case."""
    fig = Figure(figsize=(16, 4.5), layout="constrained")
    profile, ratio, loss = fig.subplots(1, 3)
    for case, part in norms.groupby("case", sort=False):
        first_step = part[part["step"] == part["step"].min()]
        profile.semilogy(first_step["layer"], first_step["grad_norm"], "o-", ms=3, label=case)
        wide = part.pivot(index="step", columns="layer", values="grad_norm")
        ratio.semilogy(wide.index, wide.iloc[:, 0] / wide.iloc[:, -1], label=case)
    for case, part in losses.groupby("case", sort=False):
        loss.semilogy(part["step"], part["loss"].replace([np.inf], np.nan), label=case)
    ratio.axhline(1e-2, color="grey", ls=":", lw=1)
    profile.set(xlabel="layer (1 = input)", ylabel="||dL/dW||", title="at the first update")
    ratio.set(xlabel="update", ylabel="first / last layer", title="gradient ratio in training")
    loss.set(xlabel="update", ylabel="training loss", title="loss (gaps: non-finite)")
    profile.legend(fontsize=6)
    return fig

"""The diagnostics experiments' answers to the course (DESIGN §9): one check per claim, each
reading the tables the experiments wrote and deciding with a rule of ``course.rules``.

A check returns its finding row, or None where the configuration does not measure the
claim (a variant or size that is not run); such a claim stays "not yet run".

Every experiment with a random element (initialization, batching, a training subset, a
bootstrap, noisy data) runs on each seed of ``diagnostics.seeds``; its tables carry a
``seed`` column and the checks read them seed by seed: a comparison is the 95% interval of
the paired difference (``direction``, ``within``, ``at_least`` on per-seed values), a
property of each run (a fit label, a sweep's best rate) holds on every seed or it does not
(``holds_on_seeds``), and a table of one seed decides nothing. A number from a deterministic
computation (the scripted early-stopping sequence, conv sizes and FLOP counts, the
activation grid, autograd at fixed outputs, update counts, parameter counts) is passed to
its rule as ``exact``. A comparison of runs whose trace in the tables was still improving at
the last epoch is ``unsettled`` (inconclusive).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dl_lab.course.findings import findings_table
from dl_lab.course.questions import load_course
from dl_lab.diagnostics.config import ConvParams
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.findings.diagnostics import (
    activations,
    capacity,
    cnn,
    fit,
    gradients,
    hyperparams,
)
from dl_lab.findings.diagnostics.config import FindingsParams
from dl_lab.findings.diagnostics.context import Check, Context

CHECKS: list[Check] = [*fit.CHECKS, *capacity.CHECKS, *hyperparams.CHECKS, *activations.CHECKS,
                       *gradients.CHECKS, *cnn.CHECKS]  # fmt: skip

TABLES = (
    "fit_synthetic", "fit_tracked", "early_stopping", "capacity", "bias_variance", "classical",
    "lr_sweep", "batch_sizes", "batch_trace", "quadratic", "activations", "activation_ranges",
    "loss_classifier", "loss_saturation", "loss_regression", "gradient_flow", "gradient_norms",
    "conv_sizes", "stride_padding", "receptive_fields", "pooling", "shift_accuracy",
    "relu_sparsity", "normalization",
)  # fmt: skip
"""The tables the checks read, by ``<name>`` of ``diag_<name>_table``."""


def answer(
    tables: Mapping[str, pd.DataFrame],
    config: FindingsParams,
    conv: ConvParams,
    fit_thresholds: FitThresholds,
) -> pd.DataFrame:
    """The findings table: every claim this configuration measures, in the order of the checks."""
    context = Context(tables, config, conv, fit_thresholds, load_course())
    return findings_table(row for check in CHECKS if (row := check(context)) is not None)


__all__ = ["CHECKS", "TABLES", "Context", "FindingsParams", "answer"]

"""Nodes of the diagnostics pipeline: thin calls into ``dl_lab.diagnostics`` and reporting."""

from dl_lab.pipelines.diagnostics.nodes.activations import compare_losses, sweep_activations
from dl_lab.pipelines.diagnostics.nodes.capacity import (
    compare_classical_and_deep,
    decompose_classifier_error,
    decompose_regression_error,
    sweep_capacity,
)
from dl_lab.pipelines.diagnostics.nodes.cnn import (
    check_conv_arithmetic,
    study_normalization,
    study_pooling,
)
from dl_lab.pipelines.diagnostics.nodes.findings import report_findings
from dl_lab.pipelines.diagnostics.nodes.fit import (
    check_early_stopping,
    diagnose_synthetic_curves,
    train_tracked_runs,
)
from dl_lab.pipelines.diagnostics.nodes.gradients import measure_gradient_flow
from dl_lab.pipelines.diagnostics.nodes.hyperparams import (
    compare_batch_sizes,
    compare_optimizers,
    compare_schedules,
    optimize_quadratic,
    study_epochs,
    sweep_learning_rates,
)
from dl_lab.pipelines.diagnostics.nodes.summary import summarize_fit_diagnoses

__all__ = [
    "check_conv_arithmetic", "check_early_stopping", "compare_batch_sizes",
    "compare_classical_and_deep", "compare_losses", "compare_optimizers", "compare_schedules",
    "decompose_classifier_error", "decompose_regression_error", "diagnose_synthetic_curves",
    "measure_gradient_flow", "optimize_quadratic", "report_findings", "study_epochs",
    "study_normalization", "study_pooling", "summarize_fit_diagnoses", "sweep_activations", "sweep_capacity",
    "sweep_learning_rates", "train_tracked_runs",
]  # fmt: skip

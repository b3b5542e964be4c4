"""Nodes of the vision pipeline: thin calls into ``dl_lab.training``, ``evaluation``, ``reporting``."""

from dl_lab.pipelines.vision.nodes.compare import (
    collect_tables,
    compare_variants,
    plot_cost_comparison,
    plot_gaps,
    plot_learning_curves,
    plot_seed_spread,
    plot_weights,
    run_paired_tests,
    summarize_metrics,
    summarize_variants,
)
from dl_lab.pipelines.vision.nodes.findings import report_findings
from dl_lab.pipelines.vision.nodes.variant import evaluate_model, report_variant, train_model

__all__ = [
    "collect_tables",
    "compare_variants",
    "evaluate_model",
    "plot_cost_comparison",
    "plot_gaps",
    "plot_learning_curves",
    "plot_seed_spread",
    "plot_weights",
    "report_findings",
    "report_variant",
    "run_paired_tests",
    "summarize_metrics",
    "summarize_variants",
    "train_model",
]

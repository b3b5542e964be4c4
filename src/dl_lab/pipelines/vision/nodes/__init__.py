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
from dl_lab.pipelines.vision.nodes.variant import run_outputs, train_study

__all__ = [
    "collect_tables",
    "compare_variants",
    "plot_cost_comparison",
    "plot_gaps",
    "plot_learning_curves",
    "plot_seed_spread",
    "plot_weights",
    "report_findings",
    "run_paired_tests",
    "summarize_metrics",
    "summarize_variants",
    "run_outputs",
    "train_study",
]

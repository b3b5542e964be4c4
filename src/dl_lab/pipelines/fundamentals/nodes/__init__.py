"""Thin nodes of the fundamentals pipeline over ``dl_lab.fundamentals``."""

from dl_lab.pipelines.fundamentals.nodes.backprop import (
    check_gradients,
    demonstrate_linear_collapse,
    trace_two_layer_backprop,
)
from dl_lab.pipelines.fundamentals.nodes.capacity import compare_depth, compare_hebbian
from dl_lab.pipelines.fundamentals.nodes.findings import report_findings
from dl_lab.pipelines.fundamentals.nodes.neurons import (
    build_truth_tables,
    check_worked_examples,
    run_perceptron,
    search_threshold_units,
)
from dl_lab.pipelines.fundamentals.nodes.optimization import (
    explore_softmax,
    race_optimizers,
    sweep_learning_rates,
    tabulate_gd_steps,
)
from dl_lab.pipelines.fundamentals.nodes.regularization import (
    compare_activity_sparsity,
    compare_weight_penalties,
)
from dl_lab.pipelines.fundamentals.nodes.xor import train_xor_nets

__all__ = [
    "build_truth_tables",
    "check_gradients",
    "check_worked_examples",
    "compare_activity_sparsity",
    "compare_depth",
    "compare_hebbian",
    "compare_weight_penalties",
    "demonstrate_linear_collapse",
    "explore_softmax",
    "race_optimizers",
    "report_findings",
    "run_perceptron",
    "search_threshold_units",
    "sweep_learning_rates",
    "tabulate_gd_steps",
    "trace_two_layer_backprop",
    "train_xor_nets",
]

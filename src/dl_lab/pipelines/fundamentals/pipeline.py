"""Wiring of the fundamentals pipeline: independent experiments, each reported on its own.

Outputs named ``fundamentals_<name>_table`` / ``_plot`` / ``_metrics`` are resolved by the
dataset factories in ``catalog_fundamentals.yml`` (CSV / PNG under
``data/08_reporting/fundamentals/`` and in the MLflow parent run; metrics in MLflow). Nodes
sit in the namespace ``fundamentals`` (``fundamentals.check_gradients``, ...), so their names
stay unique when every pipeline runs together.
"""

from collections.abc import Callable

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines.fundamentals import nodes as n

SEED = "params:seed"


def _node(func: Callable, params: str | None, outputs: list[str], seeded: bool = False) -> Node:
    """``func`` reading ``params:fundamentals.<params>`` (and the seed), writing ``outputs``."""
    inputs = [f"params:fundamentals.{params}"] if params else []
    inputs += [SEED] if seeded else []
    names = [f"fundamentals_{name}" for name in outputs]
    return Node(
        func,
        inputs or None,
        names if len(names) > 1 else names[0],
        name=func.__name__,
        namespace="fundamentals",
    )


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            _node(
                n.check_worked_examples, None, ["worked_examples_table", "worked_examples_metrics"]
            ),
            _node(n.build_truth_tables, None, ["truth_tables_table"]),
            _node(
                n.search_threshold_units,
                "threshold_search",
                ["threshold_search_table", "threshold_search_metrics"],
            ),
            _node(
                n.run_perceptron,
                "perceptron",
                ["perceptron_table", "perceptron_plot", "perceptron_metrics"],
                seeded=True,
            ),
            _node(
                n.check_gradients,
                "gradient_check",
                ["gradient_check_table", "gradient_check_metrics"],
                seeded=True,
            ),
            _node(
                n.trace_two_layer_backprop,
                "two_layer",
                ["two_layer_trace_table", "two_layer_trace_plot"],
                seeded=True,
            ),
            _node(
                n.demonstrate_linear_collapse,
                "linear_collapse",
                ["linear_collapse_table", "activations_plot", "linear_collapse_metrics"],
                seeded=True,
            ),
            _node(
                n.train_xor_nets,
                "xor",
                [
                    "xor_runs_table",
                    "xor_success_table",
                    "xor_boundaries_plot",
                    "xor_hidden_plot",
                    "xor_losses_plot",
                    "xor_metrics",
                ],
                seeded=True,
            ),
            _node(
                n.tabulate_gd_steps,
                "learning_rates",
                ["gd_linear_steps_table", "gd_quadratic_steps_table"],
            ),
            _node(
                n.sweep_learning_rates,
                "learning_rates",
                ["learning_rates_table", "learning_rates_plot", "learning_rates_metrics"],
            ),
            _node(
                n.race_optimizers,
                "momentum",
                ["momentum_table", "momentum_plot", "momentum_metrics"],
            ),
            _node(
                n.explore_softmax,
                "softmax",
                ["softmax_table", "softmax_stability_table", "softmax_plot", "softmax_metrics"],
                seeded=True,
            ),
            _node(
                n.compare_weight_penalties,
                "weight_penalties",
                ["weight_penalties_table", "weight_penalties_plot", "weight_penalties_metrics"],
                seeded=True,
            ),
            _node(
                n.compare_activity_sparsity,
                "activity_sparsity",
                ["activity_sparsity_table", "activity_sparsity_plot", "activity_sparsity_metrics"],
                seeded=True,
            ),
            _node(
                n.compare_depth,
                "depth",
                [
                    "depth_runs_table",
                    "depth_table",
                    "depth_exact_table",
                    "depth_plot",
                    "depth_metrics",
                ],
                seeded=True,
            ),
            _node(
                n.compare_hebbian,
                "hebbian",
                ["hebbian_table", "hebbian_plot", "hebbian_metrics"],
                seeded=True,
            ),
        ]
    )

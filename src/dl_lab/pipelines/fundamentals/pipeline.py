"""Wiring of the fundamentals pipeline: independent NumPy experiments, each reported on its own.

Every node reads its block ``params:fundamentals.<experiment>`` (and the seed) and writes
``fundamentals_<name>_table`` / ``_plot`` / ``_metrics``, which the dataset factories of
``catalog_fundamentals.yml`` resolve (CSV / PNG under ``data/08_reporting/fundamentals/`` and in
the MLflow parent run; metrics in MLflow). The last node, ``report_findings``, reads the tables
with ``params:fundamentals.findings`` and writes ``fundamentals_findings`` (the course's unit-2
claims with their verdicts, ``data/08_reporting/findings/fundamentals.csv``). Nodes sit in the namespace ``fundamentals``
(``fundamentals.check_gradients``, ...), so their names stay unique when every pipeline runs
together; the namespace does not prefix the dataset names.
"""

from kedro.pipeline import Pipeline

from dl_lab.findings.fundamentals import TABLES as FINDINGS_TABLES
from dl_lab.pipelines._kit import node, param
from dl_lab.pipelines.fundamentals import nodes as n

SEED = param("seed")
NAMESPACE = "fundamentals"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                n.check_worked_examples,
                {},
                ["fundamentals_worked_examples_table", "fundamentals_worked_examples_metrics"],
                namespace=NAMESPACE,
            ),
            node(
                n.build_truth_tables,
                {},
                "fundamentals_truth_tables_table",
                namespace=NAMESPACE,
            ),
            node(
                n.search_threshold_units,
                {"params": param("fundamentals.threshold_search")},
                ["fundamentals_threshold_search_table", "fundamentals_threshold_search_metrics"],
                namespace=NAMESPACE,
            ),
            node(
                n.run_perceptron,
                {"params": param("fundamentals.perceptron"), "seed": SEED},
                [
                    "fundamentals_perceptron_table",
                    "fundamentals_perceptron_plot",
                    "fundamentals_perceptron_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.check_gradients,
                {"params": param("fundamentals.gradient_check"), "seed": SEED},
                ["fundamentals_gradient_check_table", "fundamentals_gradient_check_metrics"],
                namespace=NAMESPACE,
            ),
            node(
                n.trace_two_layer_backprop,
                {"params": param("fundamentals.two_layer"), "seed": SEED},
                ["fundamentals_two_layer_trace_table", "fundamentals_two_layer_trace_plot"],
                namespace=NAMESPACE,
            ),
            node(
                n.demonstrate_linear_collapse,
                {"params": param("fundamentals.linear_collapse"), "seed": SEED},
                [
                    "fundamentals_linear_collapse_table",
                    "fundamentals_activations_plot",
                    "fundamentals_linear_collapse_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.train_xor_nets,
                {"params": param("fundamentals.xor"), "seed": SEED},
                [
                    "fundamentals_xor_runs_table",
                    "fundamentals_xor_success_table",
                    "fundamentals_xor_boundaries_plot",
                    "fundamentals_xor_hidden_plot",
                    "fundamentals_xor_losses_plot",
                    "fundamentals_xor_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.tabulate_gd_steps,
                {"params": param("fundamentals.learning_rates")},
                ["fundamentals_gd_linear_steps_table", "fundamentals_gd_quadratic_steps_table"],
                namespace=NAMESPACE,
            ),
            node(
                n.sweep_learning_rates,
                {"params": param("fundamentals.learning_rates")},
                [
                    "fundamentals_learning_rates_table",
                    "fundamentals_learning_rates_plot",
                    "fundamentals_learning_rates_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.race_optimizers,
                {"params": param("fundamentals.momentum")},
                [
                    "fundamentals_momentum_table",
                    "fundamentals_momentum_plot",
                    "fundamentals_momentum_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.explore_softmax,
                {"params": param("fundamentals.softmax"), "seed": SEED},
                [
                    "fundamentals_softmax_table",
                    "fundamentals_softmax_stability_table",
                    "fundamentals_softmax_plot",
                    "fundamentals_softmax_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.compare_weight_penalties,
                {"params": param("fundamentals.weight_penalties"), "seed": SEED},
                [
                    "fundamentals_weight_penalties_table",
                    "fundamentals_weight_penalties_plot",
                    "fundamentals_weight_penalties_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.compare_activity_sparsity,
                {"params": param("fundamentals.activity_sparsity"), "seed": SEED},
                [
                    "fundamentals_activity_sparsity_table",
                    "fundamentals_activity_sparsity_plot",
                    "fundamentals_activity_sparsity_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.compare_depth,
                {"params": param("fundamentals.depth"), "seed": SEED},
                [
                    "fundamentals_depth_runs_table",
                    "fundamentals_depth_table",
                    "fundamentals_depth_exact_table",
                    "fundamentals_depth_plot",
                    "fundamentals_depth_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.compare_hebbian,
                {"params": param("fundamentals.hebbian"), "seed": SEED},
                [
                    "fundamentals_hebbian_table",
                    "fundamentals_hebbian_plot",
                    "fundamentals_hebbian_metrics",
                ],
                namespace=NAMESPACE,
            ),
            node(
                n.report_findings,
                {
                    "params": param("fundamentals.findings"),
                    **{name: f"fundamentals_{name}_table" for name in FINDINGS_TABLES},
                },
                "fundamentals_findings",
                namespace=NAMESPACE,
            ),
        ]
    )

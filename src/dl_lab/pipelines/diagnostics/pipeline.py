"""Wiring of the diagnostics pipeline: fit diagnosis and early stopping, conv arithmetic and
CNN behaviour, gradient flow, hyperparameter sweeps, bias-variance and capacity, classical
vs deep, activations and losses, one table of every run's fit diagnosis, and last the
course's claims answered from the tables (``diagnostics_findings``).

Nodes read ``model_input`` (from data_processing) and/or their own block of
``diagnostics``, and write tables (``diag_<name>_table``), figures (``diag_<name>_plot``)
and metrics (``diag_<name>_metrics``); the catalog's factories put each in
data/08_reporting/diagnostics and in the MLflow parent run. Torch and BLAS run with
``diagnostics.threads`` threads inside the nodes (read from conf/base when the pipeline
is built).

Every experiment a finding reads runs on each seed of ``diagnostics.replicates`` (its
tables carry a ``seed`` column); inside the node each (seed, sweep point) is one job on
the shared worker pool (``dl_lab.parallel``, one thread per job), so both cores train
and ``DL_LAB_WORKERS=1`` gives the same tables. The experiments no finding reads
(schedules, epochs, optimizers, the 0-1 decomposition) run on ``seed``.
"""

from kedro.pipeline import Pipeline

from dl_lab.findings.diagnostics import TABLES as FINDINGS_TABLES
from dl_lab.pipelines._kit import base_parameters, node, param
from dl_lab.pipelines.diagnostics import nodes as n

SEED = param("seed")  # the experiments no verdict reads: one seed
SEEDS = param("diagnostics.replicates")  # every experiment a verdict reads: each seed
FIT = param("diagnostics.fit")
HYPERPARAMS = param("diagnostics.hyperparams")
BIAS_VARIANCE = param("diagnostics.bias_variance")
CNN = param("diagnostics.cnn")

# The experiments whose tables carry a ``fit_diagnosis`` column, summarized in one table.
DIAGNOSED = ("fit_tracked", "pooling", "normalization", "lr_sweep", "schedules", "optimizers",
             "capacity", "activations", "loss_classifier")  # fmt: skip


def create_pipeline(**kwargs) -> Pipeline:
    threads = base_parameters("diagnostics.threads")
    return Pipeline(
        [
            node(
                n.diagnose_synthetic_curves,
                {"params": FIT, "seeds": SEEDS},
                ["diag_fit_synthetic_table", "diag_fit_synthetic_plot"],
                threads=threads,
            ),
            node(
                n.train_tracked_runs,
                {
                    "model_input": "model_input",
                    "params": param("diagnostics.tracked"),
                    "fit": FIT,
                    "seeds": SEEDS,
                },
                ["diag_tracked_histories_table", "diag_fit_tracked_table", "diag_fit_tracked_plot"],
                threads=threads,
            ),
            node(
                n.check_early_stopping,
                {
                    "params": param("diagnostics.early_stopping"),
                    "tracked_histories": "diag_tracked_histories_table",
                    "tracked_table": "diag_fit_tracked_table",
                },
                ["diag_early_stopping_table", "diag_early_stopping_plot"],
                threads=threads,
            ),
            node(
                n.check_conv_arithmetic,
                {"params": param("diagnostics.conv"), "seed": SEED},
                [
                    "diag_conv_sizes_table",
                    "diag_receptive_fields_table",
                    "diag_stride_padding_table",
                    "diag_receptive_fields_plot",
                    "diag_stride_padding_plot",
                    "diag_conv_metrics",
                ],
                threads=threads,
            ),
            node(
                n.study_pooling,
                {"model_input": "model_input", "params": CNN, "fit": FIT, "seeds": SEEDS},
                [
                    "diag_pooling_table",
                    "diag_shift_accuracy_table",
                    "diag_relu_sparsity_table",
                    "diag_shift_accuracy_plot",
                    "diag_feature_maps_plot",
                ],
                threads=threads,
            ),
            node(
                n.study_normalization,
                {"model_input": "model_input", "params": CNN, "fit": FIT, "seeds": SEEDS},
                ["diag_normalization_table", "diag_normalization_plot"],
                threads=threads,
            ),
            node(
                n.measure_gradient_flow,
                {
                    "model_input": "model_input",
                    "params": param("diagnostics.gradient_flow"),
                    "seeds": SEEDS,
                },
                [
                    "diag_gradient_norms_table",
                    "diag_gradient_flow_table",
                    "diag_gradient_findings_table",
                    "diag_gradient_flow_plot",
                    "diag_gradient_metrics",
                ],
                threads=threads,
            ),
            node(
                n.sweep_learning_rates,
                {"model_input": "model_input", "params": HYPERPARAMS, "fit": FIT, "seeds": SEEDS},
                ["diag_lr_sweep_table", "diag_lr_sweep_plot", "diag_lr_metrics"],
                threads=threads,
            ),
            node(
                n.compare_schedules,
                {"model_input": "model_input", "params": HYPERPARAMS, "fit": FIT, "seed": SEED},
                ["diag_schedules_table", "diag_schedules_plot"],
                threads=threads,
            ),
            node(
                n.compare_batch_sizes,
                {"model_input": "model_input", "params": HYPERPARAMS, "seeds": SEEDS},
                ["diag_batch_trace_table", "diag_batch_sizes_table", "diag_batch_sizes_plot"],
                threads=threads,
            ),
            node(
                n.study_epochs,
                {"model_input": "model_input", "params": HYPERPARAMS, "fit": FIT, "seed": SEED},
                ["diag_epochs_table", "diag_epochs_plot"],
                threads=threads,
            ),
            node(
                n.compare_optimizers,
                {"model_input": "model_input", "params": HYPERPARAMS, "fit": FIT, "seed": SEED},
                ["diag_optimizers_table", "diag_optimizers_plot"],
                threads=threads,
            ),
            node(
                n.optimize_quadratic,
                {"params": param("diagnostics.quadratic")},
                ["diag_quadratic_paths_table", "diag_quadratic_table", "diag_quadratic_plot"],
                threads=threads,
            ),
            node(
                n.decompose_regression_error,
                {"params": BIAS_VARIANCE, "seeds": SEEDS},
                [
                    "diag_bias_variance_table",
                    "diag_bias_variance_plot",
                    "diag_bias_variance_metrics",
                ],
                threads=threads,
            ),
            node(
                n.decompose_classifier_error,
                {"model_input": "model_input", "params": BIAS_VARIANCE, "seed": SEED},
                ["diag_zero_one_table", "diag_zero_one_plot"],
                threads=threads,
            ),
            node(
                n.sweep_capacity,
                {
                    "model_input": "model_input",
                    "params": param("diagnostics.complexity"),
                    "fit": FIT,
                    "seeds": SEEDS,
                },
                ["diag_capacity_table", "diag_capacity_plot"],
                threads=threads,
            ),
            node(
                n.compare_classical_and_deep,
                {
                    "model_input": "model_input",
                    "params": param("diagnostics.classical"),
                    "seeds": SEEDS,
                },
                [
                    "diag_classical_table",
                    "diag_classical_winners_table",
                    "diag_classical_plot",
                    "diag_learning_curves_by_size_plot",
                ],
                threads=threads,
            ),
            node(
                n.sweep_activations,
                {
                    "model_input": "model_input",
                    "params": param("diagnostics.activations"),
                    "fit": FIT,
                    "seeds": SEEDS,
                },
                [
                    "diag_activation_ranges_table",
                    "diag_activations_table",
                    "diag_activation_layers_table",
                    "diag_activation_curves_plot",
                    "diag_activations_plot",
                ],
                threads=threads,
            ),
            node(
                n.compare_losses,
                {
                    "model_input": "model_input",
                    "params": param("diagnostics.losses"),
                    "fit": FIT,
                    "seeds": SEEDS,
                },
                [
                    "diag_loss_classifier_table",
                    "diag_loss_saturation_table",
                    "diag_loss_regression_table",
                    "diag_losses_plot",
                ],
                threads=threads,
            ),
            node(
                n.summarize_fit_diagnoses,
                {name: f"diag_{name}_table" for name in DIAGNOSED},
                "diag_fit_diagnoses_table",
                threads=threads,
            ),
            node(
                n.report_findings,
                {
                    "params": param("diagnostics.findings"),
                    "conv": param("diagnostics.conv"),
                    "fit": FIT,
                    **{name: f"diag_{name}_table" for name in FINDINGS_TABLES},
                },
                "diagnostics_findings",
                name="report_diagnostics_findings",  # unique beside the other pipelines' findings
                threads=threads,
            ),
        ]
    )

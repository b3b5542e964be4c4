"""Wiring of the diagnostics pipeline.

Every node reads ``model_input`` (from data_processing) and/or its own parameter block
and writes tables (``diag_<name>_table``), figures (``diag_<name>_plot``) and metrics
(``diag_<name>_metrics``); the catalog's factories put each in data/08_reporting/diagnostics
and in the MLflow parent run. Torch and BLAS run with ``diagnostics.threads`` threads
inside the nodes (read from conf/base when the pipeline is built).
"""

from __future__ import annotations

from functools import wraps

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines._kit import base_parameters
from dl_lab.pipelines.diagnostics import nodes as n
from dl_lab.training.runtime import limited_threads

P = "params:diagnostics"
SEED = "params:seed"
FIT = f"{P}.fit"


def _threaded(func, threads: int | None):
    """``func`` run under ``limited_threads(threads)``; keeps its signature for Kedro."""

    @wraps(func)
    def run(*args, **kwargs):
        with limited_threads(threads):
            return func(*args, **kwargs)

    return run


def _t(*names: str) -> list[str]:
    return [f"diag_{name}_table" for name in names]


def _p(*names: str) -> list[str]:
    return [f"diag_{name}_plot" for name in names]


def _node(func, inputs, outputs, threads):
    return Node(_threaded(func, threads), inputs, outputs, name=func.__name__)


def _specs() -> list[tuple]:
    hp = f"{P}.hyperparams"
    return [
        (n.diagnose_synthetic_curves, [FIT, SEED], _t("fit_synthetic") + _p("fit_synthetic")),
        (n.train_tracked_runs, ["model_input", f"{P}.tracked", FIT, SEED],
         _t("tracked_histories", "fit_tracked") + _p("fit_tracked")),
        (n.check_early_stopping, [f"{P}.early_stopping", "diag_tracked_histories_table",
                                  "diag_fit_tracked_table"], _t("early_stopping") + _p("early_stopping")),
        (n.check_conv_arithmetic, [f"{P}.conv", SEED],
         _t("conv_sizes", "receptive_fields", "stride_padding")
         + _p("receptive_fields", "stride_padding") + ["diag_conv_metrics"]),
        (n.study_pooling, ["model_input", f"{P}.cnn", FIT, SEED],
         _t("pooling", "shift_accuracy", "relu_sparsity") + _p("shift_accuracy", "feature_maps")),
        (n.study_normalization, ["model_input", f"{P}.cnn", FIT, SEED],
         _t("normalization") + _p("normalization")),
        (n.measure_gradient_flow, ["model_input", f"{P}.gradient_flow", SEED],
         _t("gradient_norms", "gradient_flow", "gradient_findings") + _p("gradient_flow")
         + ["diag_gradient_metrics"]),
        (n.sweep_learning_rates, ["model_input", hp, FIT, SEED],
         _t("lr_sweep") + _p("lr_sweep") + ["diag_lr_metrics"]),
        (n.compare_schedules, ["model_input", hp, FIT, SEED], _t("schedules") + _p("schedules")),
        (n.compare_batch_sizes, ["model_input", hp, SEED],
         _t("batch_trace", "batch_sizes") + _p("batch_sizes")),
        (n.study_epochs, ["model_input", hp, FIT, SEED], _t("epochs") + _p("epochs")),
        (n.compare_optimizers, ["model_input", hp, FIT, SEED], _t("optimizers") + _p("optimizers")),
        (n.optimize_quadratic, [f"{P}.quadratic"],
         _t("quadratic_paths", "quadratic") + _p("quadratic")),
        (n.decompose_regression_error, [f"{P}.bias_variance", SEED],
         _t("bias_variance") + _p("bias_variance") + ["diag_bias_variance_metrics"]),
        (n.decompose_classifier_error, ["model_input", f"{P}.bias_variance", SEED],
         _t("zero_one") + _p("zero_one")),
        (n.sweep_capacity, ["model_input", f"{P}.complexity", FIT, SEED],
         _t("capacity") + _p("capacity")),
        (n.compare_classical_and_deep, ["model_input", f"{P}.classical", SEED],
         _t("classical", "classical_winners") + _p("classical", "learning_curves_by_size")),
        (n.sweep_activations, ["model_input", f"{P}.activations", FIT, SEED],
         _t("activation_ranges", "activations", "activation_layers")
         + _p("activation_curves", "activations")),
        (n.compare_losses, ["model_input", f"{P}.losses", FIT, SEED],
         _t("loss_classifier", "loss_saturation", "loss_regression") + _p("losses")),
    ]  # fmt: skip


DIAGNOSED = ("fit_tracked", "pooling", "normalization", "lr_sweep", "schedules", "optimizers",
             "capacity", "activations", "loss_classifier")  # fmt: skip


def create_pipeline(**kwargs) -> Pipeline:
    threads = base_parameters("diagnostics.threads")
    nodes = [_node(func, inputs, outputs, threads) for func, inputs, outputs in _specs()]
    summary = Node(
        n.summarize_fit_diagnoses,
        {name: f"diag_{name}_table" for name in DIAGNOSED},
        "diag_fit_diagnoses_table",
        name="summarize_fit_diagnoses",
    )
    return Pipeline([*nodes, summary])

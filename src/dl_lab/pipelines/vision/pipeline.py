"""Wiring of the vision pipeline: the template below, once per study x variant x seed.

Each copy lives in the Kedro namespace ``<study>.<variant>.seed<n>``, so
``kedro run --pipelines vision --namespaces <study>`` runs one study alone (without the
comparison stage, which needs every study). Studies, variants and seeds are read from
conf/base when the pipeline is created; the environments change sizes, not the lists.
"""

from __future__ import annotations

from functools import partial, update_wrapper
from typing import Any

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines._kit import base_parameters
from dl_lab.pipelines.vision.nodes import (
    collect_tables,
    compare_variants,
    evaluate_model,
    plot_cost_comparison,
    plot_gaps,
    plot_learning_curves,
    plot_seed_spread,
    plot_weights,
    report_variant,
    run_paired_tests,
    summarize_metrics,
    summarize_variants,
    train_model,
)

SHARED = {"model_input", "augmentation_spec"}
OUTPUTS = ("summary_row", "history", "weight_histogram")


def _bound(func, **constants):
    """``func`` with run-identity constants bound; keeps its name and annotations for Kedro."""
    return update_wrapper(partial(func, **constants), func)


def variant_template(study: str, variant: str, seed: int) -> Pipeline:
    """train -> evaluate -> report for one variant and seed."""
    train = _bound(train_model, study=study, variant_name=variant, seed=seed)
    return Pipeline(
        [
            Node(
                train,
                ["model_input", "augmentation_spec", "params:variant", "params:vision.trainer"],
                ["trained_model", "history", "fit_summary"],
                name="train_model",
            ),
            Node(
                evaluate_model,
                [
                    "trained_model",
                    "model_input",
                    "augmentation_spec",
                    "params:variant",
                    "fit_summary",
                    "params:vision.report",
                    "params:vision.trainer",
                ],
                ["eval_metrics", "confusion", "weight_histogram"],
                name="evaluate_model",
            ),
            Node(
                report_variant,
                ["history", "confusion", "fit_summary", "eval_metrics"],
                ["learning_curves", "confusion_plot", "summary_row"],
                name="report_variant",
            ),
        ]
    )


def variant_runs(
    studies: dict[str, dict[str, Any]], default_seed: int
) -> list[tuple[str, str, int]]:
    """(study, variant, seed) for every copy of the template; seeds default to ``seed``."""
    return [
        (study, variant, int(seed))
        for study, variants in studies.items()
        for variant, spec in variants.items()
        for seed in (spec.get("seeds") or [default_seed])
    ]


def check_paired_tests(studies: dict[str, dict[str, Any]], report: dict[str, Any]) -> None:
    """Every paired test names a study and two of its variants (else fail before training)."""
    for test in report.get("paired_tests") or []:
        variants = studies.get(test.get("study"), {})
        missing = [test.get(k) for k in ("baseline", "candidate") if test.get(k) not in variants]
        if not variants or missing:
            raise ValueError(
                f"vision.report.paired_tests: {test} names a study or variants that "
                f"vision.studies does not have; studies: {', '.join(studies)}"
            )


def comparison_stage(namespaces: list[str]) -> Pipeline:
    """Tables, statistics and figures over every variant and seed."""
    per_variant = {name: [f"{ns}.{name}" for ns in namespaces] for name in OUTPUTS}
    report = "params:vision.report"
    nodes = [
        Node(
            compare_variants,
            per_variant["summary_row"],
            "vision_comparison",
            name="compare_variants",
        ),
        Node(summarize_variants, "vision_comparison", "vision_summary", name="summarize_variants"),
        Node(collect_tables, per_variant["history"], "vision_histories", name="collect_histories"),
        Node(
            collect_tables,
            per_variant["weight_histogram"],
            "vision_weight_histograms",
            name="collect_weight_histograms",
        ),
        Node(
            run_paired_tests,
            ["vision_comparison", report, "params:seed"],
            "vision_paired_tests",
            name="run_paired_tests",
        ),
        Node(
            plot_cost_comparison,
            ["vision_summary", report],
            "vision_accuracy_vs_cost",
            name="plot_cost",
        ),
        Node(
            plot_learning_curves, "vision_histories", "vision_learning_curves", name="plot_curves"
        ),
        Node(
            plot_seed_spread, "vision_comparison", "vision_seed_boxplots", name="plot_seed_spread"
        ),
        Node(
            plot_weights,
            ["vision_weight_histograms", "vision_comparison", report],
            "vision_weight_histograms_plot",
            name="plot_weights",
        ),
        Node(plot_gaps, ["vision_summary", report], "vision_gap_per_regularizer", name="plot_gaps"),
        Node(
            summarize_metrics,
            ["vision_comparison", "vision_paired_tests"],
            "vision_metrics",
            name="summarize_metrics",
        ),
    ]
    return Pipeline(nodes)


def create_pipeline(**kwargs) -> Pipeline:
    studies: dict = base_parameters("vision.studies")
    check_paired_tests(studies, base_parameters("vision.report"))
    copies, namespaces = [], []
    for study, variant, seed in variant_runs(studies, base_parameters("seed")):
        namespace = f"{study}.{variant}.seed{seed}"
        copies.append(
            Pipeline(
                variant_template(study, variant, seed),
                namespace=namespace,
                inputs=SHARED,
                parameters={
                    "params:variant": f"params:vision.studies.{study}.{variant}",
                    "params:vision.trainer": "params:vision.trainer",
                    "params:vision.report": "params:vision.report",
                },
            )
        )
        namespaces.append(namespace)
    return sum(copies, Pipeline([])) + comparison_stage(namespaces)

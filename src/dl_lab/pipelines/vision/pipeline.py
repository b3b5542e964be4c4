"""Wiring of the vision pipeline: the template below, once per study x variant x seed.

Each copy lives in the Kedro namespace ``<study>.<variant>.seed<n>``, so
``kedro run --pipelines vision --namespaces <study>`` runs one study alone.
"""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines._config import base_parameters
from dl_lab.pipelines.vision.nodes import (
    compare_variants,
    evaluate_model,
    report_variant,
    summarize_test_accuracy,
    train_model,
)

SHARED = {"model_input", "augmentation_spec"}


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
                ],
                ["test_metrics", "confusion"],
                name="evaluate_model",
            ),
            Node(
                report_variant,
                ["history", "confusion", "fit_summary", "test_metrics"],
                ["learning_curves", "confusion_plot", "summary_row"],
                name="report_variant",
            ),
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    studies: dict = base_parameters("vision.studies")
    copies, rows = [], []
    for study, variants in studies.items():
        for variant, spec in variants.items():
            for seed in spec.get("seeds", [42]):
                namespace = f"{study}.{variant}.seed{seed}"
                copies.append(
                    Pipeline(
                        variant_template(study, variant, seed),
                        namespace=namespace,
                        inputs=SHARED,
                        parameters={
                            "params:variant": f"params:vision.studies.{study}.{variant}",
                            "params:vision.trainer": "params:vision.trainer",
                        },
                    )
                )
                rows.append(f"{namespace}.summary_row")
    comparison = Pipeline(
        [
            Node(compare_variants, rows, "vision_comparison", name="compare_variants"),
            Node(
                summarize_test_accuracy,
                "vision_comparison",
                "vision_metrics",
                name="summarize_test_accuracy",
            ),
        ]
    )
    return sum(copies, Pipeline([])) + comparison

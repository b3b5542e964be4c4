"""Wiring of the data_processing pipeline: ingest -> split -> bundle -> report balance ->
answer the course (1.11, 1.15, 3.13)."""

from kedro.pipeline import Pipeline

from dl_lab.findings import data_processing as findings
from dl_lab.pipelines._kit import node, param
from dl_lab.pipelines.data_processing import nodes as n

SEED = param("seed")


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                n.ingest_images,
                {"params": param("data_processing.ingest"), "seed": SEED},
                "raw_images",
            ),
            node(
                n.split_data,
                {"images": "raw_images", "params": param("data_processing.split"), "seed": SEED},
                "split_indices",
            ),
            node(
                n.preprocess_images,
                {"images": "raw_images", "split_indices": "split_indices", "seed": SEED},
                ["model_input", "data_manifest"],
            ),
            node(
                n.report_class_balance,
                {"images": "raw_images", "split_indices": "split_indices"},
                ["class_balance", "class_balance_plot", "class_balance_max_deviation"],
            ),
            node(
                n.build_augmentation_spec,
                {"params": param("data_processing.augmentation")},
                "augmentation_spec",
            ),
            node(
                findings.answer,
                {
                    "split_indices": "split_indices",
                    "class_balance": "class_balance",
                    "data_manifest": "data_manifest",
                    "augmentation_spec": "augmentation_spec",
                    "split": param("data_processing.split"),
                    "findings": param("data_processing.findings"),
                },
                "data_processing_findings",
                name="report_data_processing_findings",
            ),
        ]
    )

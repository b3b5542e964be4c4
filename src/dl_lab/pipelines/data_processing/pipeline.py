"""Wiring of the data_processing pipeline."""

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines.data_processing.nodes import (
    build_augmentation_spec,
    ingest_images,
    preprocess_images,
    report_class_balance,
    split_data,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                ingest_images,
                ["params:data_processing.ingest", "params:seed"],
                "raw_images",
                name="ingest_images",
            ),
            Node(
                split_data,
                ["raw_images", "params:data_processing.split", "params:seed"],
                "split_indices",
                name="split_data",
            ),
            Node(
                preprocess_images,
                ["raw_images", "split_indices", "params:seed"],
                ["model_input", "data_manifest"],
                name="preprocess_images",
            ),
            Node(
                report_class_balance,
                ["raw_images", "split_indices"],
                ["class_balance", "class_balance_plot", "class_balance_max_deviation"],
                name="report_class_balance",
            ),
            Node(
                build_augmentation_spec,
                "params:data_processing.augmentation",
                "augmentation_spec",
                name="build_augmentation_spec",
            ),
        ]
    )

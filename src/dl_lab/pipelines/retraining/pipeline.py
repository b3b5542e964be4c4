"""Wiring of the retraining pipeline (run on demand or on a schedule, not in __default__)."""

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines.retraining.nodes import (
    choose_challenger_config,
    promote_if_better,
    train_challenger,
    validate_incoming_data,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                choose_challenger_config,
                ["tuning_best_params", "params:retraining"],
                "challenger_config",
                name="choose_challenger_config",
            ),
            Node(
                validate_incoming_data,
                ["incoming_images", "model_input", "params:retraining"],
                ["incoming_data", "incoming_summary"],
                name="validate_incoming_data",
            ),
            Node(
                train_challenger,
                [
                    "model_input",
                    "incoming_data",
                    "incoming_summary",
                    "challenger_config",
                    "params:retraining",
                    "params:seed",
                ],
                "challenger",
                name="train_challenger",
            ),
            Node(
                promote_if_better,
                ["challenger", "model_input", "params:retraining"],
                ["retraining_decision", "retraining_metrics"],
                name="promote_if_better",
            ),
        ]
    )

"""Wiring of the retraining pipeline: choose a challenger, check new data, train and register
it, promote it if it beats the champion (run on demand or on a schedule, not in __default__)."""

from kedro.pipeline import Pipeline

from dl_lab.pipelines._kit import node, param
from dl_lab.pipelines.retraining import nodes as n

RETRAINING, SEED = param("retraining"), param("seed")


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                n.choose_challenger_config,
                {"best_params": "tuning_best_params", "retraining": RETRAINING},
                "challenger_config",
            ),
            node(
                n.validate_incoming_data,
                {
                    "incoming_images": "incoming_images",
                    "model_input": "model_input",
                    "retraining": RETRAINING,
                },
                ["incoming_data", "incoming_summary"],
            ),
            node(
                n.train_challenger,
                {
                    "model_input": "model_input",
                    "incoming": "incoming_data",
                    "incoming_summary": "incoming_summary",
                    "config": "challenger_config",
                    "retraining": RETRAINING,
                    "seed": SEED,
                },
                "challenger",
            ),
            node(
                n.promote_if_better,
                {
                    "challenger": "challenger",
                    "model_input": "model_input",
                    "retraining": RETRAINING,
                },
                ["retraining_decision", "retraining_metrics"],
            ),
        ]
    )

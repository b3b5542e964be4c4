"""Wiring of the tuning pipeline: study -> figures; best config -> retrain -> test once."""

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines.tuning.nodes import optimize_study, plot_study, retrain_best_config


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                optimize_study,
                ["model_input", "params:tuning", "params:seed"],
                [
                    "tuning_trials",
                    "tuning_intermediate_values",
                    "tuning_param_importances",
                    "tuning_best_params",
                ],
                name="optimize_study",
            ),
            Node(
                plot_study,
                ["tuning_trials", "tuning_intermediate_values", "tuning_param_importances"],
                [
                    "tuning_optimization_history_plot",
                    "tuning_param_importances_plot",
                    "tuning_intermediate_values_plot",
                ],
                name="plot_study",
            ),
            Node(
                retrain_best_config,
                [
                    "model_input",
                    "tuning_best_params",
                    "params:tuning",
                    "params:seed",
                ],
                [
                    "tuning_best_model",
                    "tuning_final_summary",
                    "tuning_final_confusion_plot",
                    "tuning_metrics",
                ],
                name="retrain_best_config",
            ),
        ]
    )

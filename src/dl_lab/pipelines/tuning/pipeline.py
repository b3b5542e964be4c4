"""Wiring of the tuning pipeline: study -> figures; best config -> retrain -> test once;
the study's tables -> the course's claims (1.10b, 1.22, 2.23)."""

from kedro.pipeline import Pipeline

from dl_lab.findings import tuning as findings
from dl_lab.pipelines._kit import node, param
from dl_lab.pipelines.tuning import nodes as n

TUNING, SEED = param("tuning"), param("seed")


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                n.optimize_study,
                {"model_input": "model_input", "tuning": TUNING, "seed": SEED},
                [
                    "tuning_trials",
                    "tuning_intermediate_values",
                    "tuning_param_importances",
                    "tuning_best_params",
                ],
            ),
            node(
                n.plot_study,
                {
                    "trials": "tuning_trials",
                    "intermediate": "tuning_intermediate_values",
                    "importances": "tuning_param_importances",
                },
                [
                    "tuning_optimization_history_plot",
                    "tuning_param_importances_plot",
                    "tuning_intermediate_values_plot",
                ],
            ),
            node(
                n.retrain_best_config,
                {
                    "model_input": "model_input",
                    "best_params": "tuning_best_params",
                    "tuning": TUNING,
                    "seed": SEED,
                },
                [
                    "tuning_best_model",
                    "tuning_final_summary",
                    "tuning_final_confusion_plot",
                    "tuning_metrics",
                ],
            ),
            node(
                findings.answer,
                {
                    "trials": "tuning_trials",
                    "intermediate": "tuning_intermediate_values",
                    "best_params": "tuning_best_params",
                    "final_summary": "tuning_final_summary",
                    "tuning": TUNING,
                },
                "tuning_findings",
                name="report_tuning_findings",
            ),
        ]
    )

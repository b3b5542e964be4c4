"""Wiring of the inference pipeline (run on demand, not in __default__)."""

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines.inference.nodes import predict_batch, prepare_inputs, resolve_model


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(resolve_model, "params:inference", "inference_model_info", name="resolve_model"),
            Node(
                prepare_inputs,
                ["model_input", "inference_images", "inference_model_info", "params:inference"],
                "inference_batch",
                name="prepare_inputs",
            ),
            Node(
                predict_batch,
                ["inference_batch", "inference_model_info", "model_input", "params:inference"],
                ["inference_predictions", "inference_summary", "inference_metrics"],
                name="predict_batch",
            ),
        ]
    )

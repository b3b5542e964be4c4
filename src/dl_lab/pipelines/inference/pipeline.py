"""Wiring of the inference pipeline: resolve the champion, check the inputs, predict
(run on demand, not in __default__)."""

from kedro.pipeline import Pipeline

from dl_lab.pipelines._kit import node, param
from dl_lab.pipelines.inference import nodes as n

INFERENCE = param("inference")


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(n.resolve_model, {"inference": INFERENCE}, "inference_model_info"),
            node(
                n.prepare_inputs,
                {
                    "model_input": "model_input",
                    "inference_images": "inference_images",
                    "model_info": "inference_model_info",
                    "inference": INFERENCE,
                },
                "inference_batch",
            ),
            node(
                n.predict_batch,
                {
                    "batch": "inference_batch",
                    "model_info": "inference_model_info",
                    "model_input": "model_input",
                    "inference": INFERENCE,
                },
                ["inference_predictions", "inference_summary", "inference_metrics"],
            ),
        ]
    )

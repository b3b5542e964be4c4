"""Nodes of the inference pipeline: resolve the champion, check inputs, predict."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.errors import MissingFileError, UserInputError
from dl_lab.lifecycle.serving import check_input_shape, check_unit_range, predict_proba, score
from dl_lab.pipelines.inference.params import InferenceParams


class NoChampionError(UserInputError, LookupError):
    """The registry has no version with the requested alias."""


def resolve_model(inference: InferenceParams) -> dict[str, Any]:
    """The registered version behind ``<model_name>@<alias>``, or a clear error."""
    found = tracking.model_version_by_alias(inference.model_name, inference.alias)
    if found is None:
        raise NoChampionError(
            f"no version of model {inference.model_name!r} has the alias {inference.alias!r} "
            "in the MLflow Model Registry; run `make retrain` (kedro run --pipelines "
            "retraining) first"
        )
    uri = f"models:/{inference.model_name}@{inference.alias}"
    recorded = found["tags"].get("test_acc")
    return {
        "model_name": inference.model_name,
        "alias": inference.alias,
        "version": found["version"],
        "model_uri": uri,
        "run_id": found["run_id"],
        "recorded_test_acc": float(recorded) if recorded is not None else None,
        "input_shape": list(tracking.model_input_shape(uri) or []) or None,
    }


def prepare_inputs(
    model_input: ModelInput,
    inference_images: dict[str, Any],
    model_info: dict[str, Any],
    inference: InferenceParams,
) -> dict[str, Any]:
    """The images to predict, scaled to [0, 1] and checked against the model's input shape."""
    if inference.source == "test_split":
        x, y = model_input.x_test, model_input.y_test.numpy()
        names, source = [f"test#{i}" for i in range(len(x))], "the test split"
    else:
        source = inference_images["path"]
        if inference_images["images"] is None:
            raise MissingFileError(
                f"no .npy/.npz/.png/.jpg inputs under {source} (inference.source: files)"
            )
        x = torch.from_numpy(inference_images["images"] / inference.pixel_max).float()
        y, names = inference_images["labels"], inference_images["names"]
        check_unit_range(x, source, inference.pixel_max)
    model = f"model {model_info['model_name']!r} v{model_info['version']}"
    expected = model_info["input_shape"]
    check_input_shape(tuple(x.shape), expected, model, f"inputs from {source}")
    return {"x": x, "y": y, "names": names, "source": source}


def predict_batch(
    batch: dict[str, Any],
    model_info: dict[str, Any],
    model_input: ModelInput,
    inference: InferenceParams,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, dict[str, float]]]:
    """Predicted class and softmax probabilities per input; accuracy when labels are known."""
    model = tracking.load_torch_model(model_info["model_uri"])
    probabilities = predict_proba(model, batch["x"], inference.batch_size)
    classes = list(model_input.classes)
    table = pd.DataFrame(probabilities, columns=[f"prob_{c}" for c in classes])
    predicted = probabilities.argmax(axis=1)
    table.insert(0, "predicted_class", np.asarray(classes)[predicted])
    table.insert(0, "input", batch["names"])
    summary = {**model_info, "source": batch["source"], "samples": len(table)}
    metrics: dict[str, float] = {}
    if batch["y"] is not None:
        table["label"] = np.asarray(classes)[batch["y"]]
        scores = score(probabilities, batch["y"])
        summary["accuracy"] = scores["test_acc"]
        metrics["inference_acc"] = scores["test_acc"]
        if inference.source == "test_split" and model_info["recorded_test_acc"] is not None:
            summary["matches_recorded_test_acc"] = (
                scores["test_acc"] == model_info["recorded_test_acc"]
            )
    tracking.set_tags(
        {"model_name": model_info["model_name"], "model_version": model_info["version"]}
    )
    return table, summary, tracking.metric_values(metrics)

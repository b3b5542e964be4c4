"""inference on an in-memory catalog: predictions of a logged, registered model."""

from __future__ import annotations

import numpy as np
import pytest

from dl_lab import tracking
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.lifecycle.serving import predict_proba, score
from dl_lab.pipelines.inference.pipeline import create_pipeline
from dl_lab.training.config import VariantSpec
from dl_lab.training.fit import inference_model
from dl_lab.training.tasks import build_task_module

DATA = synthetic_bundle(sizes=(12, 12, 30), classes=3)
MODEL = "infer-slice"
NO_FILES = {"images": None, "labels": None, "names": [], "path": "data/01_raw/inference"}


@pytest.fixture
def champion(scratch, tracked) -> float:
    """An (untrained) CNN logged, registered as version 1 and aliased ``champion``; its
    recorded test accuracy."""
    variant = VariantSpec(architecture="tunable_cnn", model={"conv_layers": 1, "filters": 4})
    model = inference_model(build_task_module(DATA, variant, augmentation=None))
    test_acc = score(predict_proba(model, DATA.x_test), DATA.y_test.numpy())["test_acc"]
    identity = tracking.RunIdentity("inference", "slice", "champion", seed=0)
    with tracking.identified_run(identity, {}) as run_id:
        uri = tracking.log_torch_model(run_id, model, DATA.x_test[:4])
    version = tracking.register_model(uri, MODEL, {"test_acc": test_acc})
    tracking.set_model_alias(MODEL, "champion", version)
    return test_acc


def infer(run_slice, images=NO_FILES, source="test_split") -> dict:
    inputs = {"model_input": DATA, "inference_images": images}
    params = {"inference": {"model_name": MODEL, "source": source}}
    return run_slice(create_pipeline(), inputs, params=params)


def test_test_split_predictions_match_the_recorded_accuracy(run_slice, champion):
    out = infer(run_slice)
    summary, predictions = out["inference_summary"], out["inference_predictions"]
    assert (summary["version"], summary["samples"]) == ("1", len(DATA.y_test))
    assert summary["accuracy"] == champion and summary["matches_recorded_test_acc"] is True
    assert out["inference_metrics"] == {"inference_acc": {"value": champion, "step": 0}}
    probabilities = predictions[[f"prob_{c}" for c in DATA.classes]].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert (predictions["label"] == np.asarray(DATA.classes)[DATA.y_test.numpy()]).all()
    assert (predictions["predicted_class"] == predictions["label"]).mean() == champion


def test_files_in_raw_pixels_are_predicted_without_labels(run_slice, champion):
    images = {
        "images": np.rint(DATA.x_test[:5].numpy() * 255.0),
        "labels": None,
        "names": [f"a.npy#{i}" for i in range(5)],
        "path": "data/01_raw/inference",
    }
    out = infer(run_slice, images, source="files")
    predictions = out["inference_predictions"]
    assert predictions["input"].tolist() == images["names"] and "label" not in predictions
    assert out["inference_metrics"] == {} and out["inference_summary"]["samples"] == 5

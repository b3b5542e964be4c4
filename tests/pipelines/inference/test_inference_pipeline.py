"""inference end to end with --env test: the champion's predictions on the test split.

Reading a folder of files is tested on the dataset (tests/tuning/test_tuning_io.py) and the
node (test_inference_nodes.py).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow
MODEL = "inference-e2e"  # a name of its own: other tests share the project's registry
INFER = ("--pipelines", "inference", "--params", f"inference.model_name={MODEL}")


@pytest.fixture(scope="module")
def served(kedro_project):
    """One retraining makes a champion; then inference on the test split.

    The error without a champion is tested on the node (test_inference_nodes.py).
    """
    kedro_project.run("--pipelines", "retraining", "--params", f"retraining.model_name={MODEL}")
    kedro_project.run(*INFER)
    return kedro_project


def test_test_split_accuracy_equals_the_champions_recorded_test_acc(served):
    project = served
    summary = json.loads((project.path / "data/08_reporting/inference/summary.json").read_text())
    client = MlflowClient(tracking_uri=project.tracking_uri)
    version = client.get_model_version_by_alias(MODEL, "champion")
    assert summary["version"] == str(version.version)
    assert summary["accuracy"] == float(version.tags["test_acc"])
    assert summary["matches_recorded_test_acc"] is True
    predictions = pd.read_csv(project.path / "data/07_model_output/inference/predictions.csv")
    bundle = torch.load(project.path / "data/05_model_input/model_input.pt", weights_only=True)
    assert len(predictions) == len(bundle["y_test"]) == summary["samples"]
    probs = predictions[[f"prob_{c}" for c in bundle["classes"]]].to_numpy()
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (
        predictions["predicted_class"].astype(str) == np.asarray(bundle["classes"])[probs.argmax(1)]
    ).all()
    accuracy = (predictions["predicted_class"] == predictions["label"]).mean()
    assert accuracy == pytest.approx(summary["accuracy"])

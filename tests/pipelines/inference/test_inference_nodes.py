"""Inference nodes on small inputs: the errors a user meets before any prediction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.lifecycle.serving import InputShapeError
from dl_lab.pipelines.inference import nodes
from dl_lab.pipelines.inference.params import InferenceParams

PARAMS = InferenceParams(model_name="m", source="files")
MODEL = {"model_name": "m", "version": "4", "input_shape": [-1, 1, 28, 28]}
DATA = synthetic_bundle(sizes=(6, 3, 3), shape=(1, 28, 28))


def files(images) -> dict:
    return {"images": images, "labels": None, "names": [], "path": "data/01_raw/inference"}


def test_no_champion(monkeypatch):
    monkeypatch.setattr(nodes.tracking, "model_version_by_alias", lambda name, alias: None)
    with pytest.raises(nodes.NoChampionError, match="model 'm' has the alias 'champion'"):
        nodes.resolve_model(PARAMS)


def test_wrong_shape_names_both_shapes():
    with pytest.raises(
        InputShapeError, match=r"\(2, 1, 8, 8\) but model 'm' v4 expects \(N, 1, 28, 28\)"
    ):
        nodes.prepare_inputs(DATA, files(np.zeros((2, 1, 8, 8), np.float32)), MODEL, PARAMS)


def test_empty_folder_and_unscaled_pixels():
    with pytest.raises(FileNotFoundError, match="no .npy/.npz/.png/.jpg inputs"):
        nodes.prepare_inputs(DATA, files(None), MODEL, PARAMS)
    loud = PARAMS.model_copy(update={"pixel_max": 1.0})
    with pytest.raises(ValueError, match="set pixel_max"):
        nodes.prepare_inputs(DATA, files(np.full((1, 1, 28, 28), 255, np.float32)), MODEL, loud)


def test_test_split_source_keeps_labels():
    batch = nodes.prepare_inputs(DATA, files(None), MODEL, InferenceParams(model_name="m"))
    assert batch["y"].tolist() == DATA.y_test.tolist() and batch["names"][0] == "test#0"
    assert batch["x"] is DATA.x_test


def test_shipped_inference_serves_what_retraining_promotes():
    from dl_lab.pipelines._kit import base_parameters
    from dl_lab.pipelines.retraining.params import RetrainingParams

    retraining = RetrainingParams(**base_parameters("retraining"))
    inference = InferenceParams(**base_parameters("inference"))
    assert (inference.model_name, inference.alias) == (retraining.model_name, retraining.alias)
    assert retraining.challenger.variant.architecture == "tunable_cnn"


def test_files_are_scaled_by_pixel_max_and_keep_their_names():
    images = {**files(np.full((2, 1, 28, 28), 255, np.float32)), "names": ["a.png#0", "b.png#0"]}
    batch = nodes.prepare_inputs(DATA, images, MODEL, PARAMS)
    assert torch.equal(batch["x"], torch.ones(2, 1, 28, 28))
    assert batch["names"] == ["a.png#0", "b.png#0"] and batch["y"] is None

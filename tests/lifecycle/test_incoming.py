"""New labelled data for retraining: accepted only if it passes the ingest checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_lab.data.bundle import ModelInput
from dl_lab.lifecycle.incoming import validate_incoming, with_incoming


def bundle() -> ModelInput:
    raw = np.random.default_rng(0).integers(0, 256, (12, 1, 4, 4)).astype(np.float32)
    x = torch.from_numpy(raw / 255.0)  # scaled as data_processing scales
    return ModelInput(
        x_train=x[:6],
        y_train=torch.arange(6) % 2,
        x_val=x[6:8],
        y_val=torch.arange(2) % 2,
        x_test=x[8:],
        y_test=torch.arange(4) % 2,
        mean=torch.tensor([0.5]),
        std=torch.tensor([0.3]),
        classes=["zero", "one"],
        dataset="toy",
        fingerprint="toy-0",
    )


def batch(images, labels) -> dict:
    names = [f"new.npz#{i}" for i in range(0 if images is None else len(images))]
    return {"images": images, "labels": labels, "names": names, "path": "incoming"}


def test_valid_images_are_scaled_and_appended_to_train_only():
    model_input = bundle()
    raw = np.full((3, 1, 4, 4), 255.0, dtype=np.float32)
    data, summary = validate_incoming(batch(raw, np.array([1, 1, 0])), model_input, 255.0)
    assert torch.equal(data["x"], torch.ones(3, 1, 4, 4))
    assert summary["samples"] == 3 and summary["class_counts"] == [1, 2]
    merged = with_incoming(model_input, data)
    assert len(merged.x_train) == 9 and merged.y_train[-3:].tolist() == [1, 1, 0]
    assert merged.x_test is model_input.x_test and merged.x_val is model_input.x_val
    assert (merged.fingerprint, merged.mean) == (model_input.fingerprint, model_input.mean)


def test_no_files_means_no_new_data():
    data, summary = validate_incoming(batch(None, None), bundle(), 255.0)
    assert len(data["x"]) == 0 and summary["samples"] == 0


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (np.zeros((2, 1, 4, 4)), None, "needs labels"),
        (np.zeros((2, 1, 4, 4)), np.array([0]), "2 images but 1 labels"),
        (np.full((2, 1, 4, 4), np.nan), np.array([0, 1]), "contain NaN or Inf"),
        (np.zeros((2, 1, 5, 5)), np.array([0, 1]), r"images are \(1, 5, 5\)"),
        (np.zeros((2, 1, 4, 4)), np.array([0, 7]), r"labels \[7\] are not class indices"),
        (np.full((2, 1, 4, 4), 300.0), np.array([0, 1]), r"must lie in \[0, 255.0\]"),
    ],
)
def test_bad_incoming_data_is_refused(images, labels, message):
    with pytest.raises(ValueError, match=message):
        validate_incoming(batch(images, labels), bundle(), 255.0)


def test_copies_of_test_images_are_refused():
    model_input = bundle()
    leaked = np.rint(model_input.x_test[:2].numpy() * 255.0)  # the raw pixels again
    with pytest.raises(ValueError, match="2 images are copies of test-split images"):
        validate_incoming(batch(leaked, np.array([0, 1])), model_input, 255.0)

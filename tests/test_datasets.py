"""TorchDataset: round trip, and clear errors for a missing or damaged file."""

from __future__ import annotations

import pytest
import torch
from kedro.io import DatasetError

from dl_lab.datasets import TorchDataset


def test_round_trip(tmp_path):
    dataset = TorchDataset(str(tmp_path / "a" / "bundle.pt"))
    dataset.save({"x": torch.arange(3), "classes": ["a", "b"]})
    loaded = dataset.load()
    assert torch.equal(loaded["x"], torch.arange(3)) and loaded["classes"] == ["a", "b"]


def test_missing_file_names_the_pipeline(tmp_path):
    dataset = TorchDataset(str(tmp_path / "none.pt"), produced_by="data_processing")
    with pytest.raises(DatasetError, match="kedro run --pipelines data_processing"):
        dataset.load()


def test_corrupt_file_is_reported(tmp_path):
    path = tmp_path / "bad.pt"
    path.write_bytes(b"not a torch file")
    with pytest.raises(DatasetError, match="not a readable torch file"):
        TorchDataset(str(path)).load()

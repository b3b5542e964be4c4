"""Datasets of the tuning package: optional YAML and image batches from files or folders."""

from __future__ import annotations

import numpy as np
import pytest
from kedro.io import DatasetError
from PIL import Image

from dl_lab.datasets import ImageBatchDataset, OptionalYAMLDataset


def test_optional_yaml_is_none_until_saved(tmp_path):
    dataset = OptionalYAMLDataset(str(tmp_path / "best" / "params.yml"))
    assert dataset.load() is None and not dataset.exists()
    dataset.save({"trial": 3, "params": {"lr": 0.001}})
    assert dataset.load() == {"trial": 3, "params": {"lr": 0.001}}


def test_folder_of_npy_npz_and_png(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((2, 8, 8), dtype=np.uint8))  # (N, H, W)
    np.savez(tmp_path / "b.npz", images=np.ones((1, 1, 8, 8)), labels=np.array([3]))
    Image.fromarray(np.full((8, 8), 255, dtype=np.uint8)).save(tmp_path / "c.png")
    (tmp_path / "notes.txt").write_text("ignored")
    batch = ImageBatchDataset(str(tmp_path)).load()
    assert batch["images"].shape == (4, 1, 8, 8) and batch["images"].dtype == np.float32
    assert batch["names"] == ["a.npy#0", "a.npy#1", "b.npz#0", "c.png#0"]
    assert batch["images"][3].max() == 255
    assert batch["labels"] is None  # not every file has labels


def test_labels_when_every_file_has_them(tmp_path):
    np.savez(tmp_path / "x.npz", images=np.zeros((2, 1, 4, 4)), labels=np.array([0, 1]))
    assert ImageBatchDataset(str(tmp_path / "x.npz")).load()["labels"].tolist() == [0, 1]


def test_missing_folder_is_an_empty_batch(tmp_path):
    assert ImageBatchDataset(str(tmp_path / "nothing")).load()["images"] is None


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"pixels": np.zeros((1, 4, 4))}, "needs an `images` array"),
        ({"images": np.zeros((4, 4))}, r"must be \(N, H, W\) or \(N, C, H, W\)"),
        ({"images": np.zeros((2, 4, 4)), "labels": np.array([1])}, "2 images but labels"),
    ],
)
def test_malformed_files_fail_naming_the_file(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError, match=message):
        ImageBatchDataset(str(tmp_path)).load()


def test_mixed_shapes_are_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((1, 8, 8)))
    np.save(tmp_path / "b.npy", np.zeros((1, 9, 9)))
    with pytest.raises(DatasetError, match="different shapes"):
        ImageBatchDataset(str(tmp_path)).load()

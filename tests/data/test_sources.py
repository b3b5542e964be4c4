"""Sources: the embedded sets load, unknown names list the allowed ones, and the full
loaders read small files written here in the formats of the real data sets."""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from dl_lab.data.sources import SOURCES, load_images
from dl_lab.registry import UnknownNameError


def test_mnist_5k_is_real_balanced_digits():
    data = load_images("mnist_5k")
    assert data.images.shape == (5000, 1, 28, 28)
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert data.images.max() == 255.0


def test_digits_shape():
    data = load_images("digits")
    assert data.images.shape == (1797, 1, 8, 8) and data.pixel_max == 16.0


def test_unknown_name_lists_allowed():
    with pytest.raises(UnknownNameError, match=r"unknown dataset 'mnist5k'; available: .*mnist_5k"):
        load_images("mnist5k")


def test_limit_keeps_class_balance():
    data = load_images("mnist_5k", limit=200, seed=0)
    assert np.bincount(data.labels).tolist() == [20] * 10


def _write_idx(path: Path, array: np.ndarray) -> None:
    kind = 0x08  # unsigned byte
    header = struct.pack(">HBB", 0, kind, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_mnist_reads_idx_files(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 6), ("t10k", 4)):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    data = load_images("mnist", root=tmp_path)
    assert data.images.shape == (10, 1, 28, 28)
    assert data.labels.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]


def test_cifar10_reads_pickle_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8), "labels": [1, 7]}
        (folder / name).write_bytes(pickle.dumps(batch))
    (folder / "batches.meta").write_bytes(
        pickle.dumps({"label_names": [f"c{i}" for i in range(10)]})
    )
    data = load_images("cifar10", root=tmp_path)
    assert data.images.shape == (12, 3, 32, 32) and data.classes[7] == "c7"


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10"])
def test_missing_full_data_says_how_to_get_it(tmp_path, name):
    with pytest.raises(FileNotFoundError, match="full"):
        load_images(name, root=tmp_path)


def test_nan_images_are_refused(monkeypatch):
    good = SOURCES.get("digits")

    def poisoned(**kwargs):
        data = good(**kwargs)
        data.images[3, 0, 0, 0] = np.nan
        return data

    monkeypatch.setitem(SOURCES._builders, "digits", poisoned)
    with pytest.raises(ValueError, match="1 images contain NaN"):
        load_images("digits")

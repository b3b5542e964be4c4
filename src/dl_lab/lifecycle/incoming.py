"""New labelled images for retraining, checked like ingested data before they are used.

The checks are those of ingest (``ImageSet``: (N, C, H, W) images, one label each;
``load_images``: no NaN/Inf), plus what joining an existing split needs: the same image
shape and classes, pixel values within [0, ``pixel_max``], and no image identical to one
in the frozen test split (that would leak the test set into training).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import torch

from dl_lab.data.bundle import ModelInput
from dl_lab.data.sources import ImageSet, check_finite
from dl_lab.errors import DataFileError


def _digests(images: np.ndarray) -> list[str]:
    return [hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest() for x in images]


def validate_incoming(
    batch: dict[str, Any], data: ModelInput, pixel_max: float
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Scaled tensors ``{"x", "y"}`` of the new labelled images and a summary of them."""
    source = batch.get("path", "incoming")
    shape = data.sample_shape
    empty = {"x": torch.empty((0, *shape)), "y": torch.empty(0, dtype=torch.int64)}
    if batch["images"] is None:
        return empty, {"samples": 0, "files": 0, "path": source}
    if batch["labels"] is None:
        raise DataFileError(
            f"{source}: new training data needs labels; drop .npz files with `images` and "
            "`labels` arrays"
        )
    classes = list(data.classes)
    images = ImageSet("incoming", batch["images"], batch["labels"], classes, pixel_max)
    check_finite(images.images, str(source))
    if images.images.shape[1:] != shape:
        raise DataFileError(f"{source}: images are {images.images.shape[1:]}, the data set {shape}")
    unknown = sorted(set(images.labels.tolist()) - set(range(len(classes))))
    if unknown:
        raise DataFileError(
            f"{source}: labels {unknown} are not class indices 0..{len(classes) - 1}"
        )
    if images.images.min() < 0 or images.images.max() > pixel_max:
        raise DataFileError(f"{source}: pixel values must lie in [0, {pixel_max}] (pixel_max)")
    x = torch.from_numpy(images.images / pixel_max).float()
    leaked = set(_digests(x.numpy())) & set(_digests(data.x_test.numpy()))
    if leaked:
        raise DataFileError(f"{source}: {len(leaked)} images are copies of test-split images")
    summary = {
        "samples": len(images.labels),
        "files": len({name.split("#")[0] for name in batch["names"]}),
        "path": source,
        "class_counts": np.bincount(images.labels, minlength=len(classes)).tolist(),
    }
    return {"x": x, "y": torch.from_numpy(images.labels)}, summary


def with_incoming(data: ModelInput, incoming: dict[str, torch.Tensor]) -> ModelInput:
    """``data`` whose training split is extended by the new images (val/test unchanged)."""
    return data.with_train(
        torch.cat([data.x_train, incoming["x"]]), torch.cat([data.y_train, incoming["y"]])
    )

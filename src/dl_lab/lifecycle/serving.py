"""Predict with a logged or registered model, and score predictions.

A served model is standardization + network (``ClassificationModule.inference_model``):
it takes images scaled to [0, 1], shaped like its signature, and returns logits.
Accuracy is ``correct / n``, computed the same way wherever a model is scored, so the
champion's recorded test accuracy and a later inference run on the same split agree
exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.metrics import f1_score
from torch import nn

from dl_lab.errors import DataFileError


class InputShapeError(DataFileError):
    """Inputs whose per-sample shape differs from the model's signature."""


def check_input_shape(
    shape: Sequence[int], expected: Sequence[int] | None, model: str, source: str = "inputs"
) -> None:
    """Raise if ``shape`` (N, C, H, W) does not match ``expected`` (-1 = any) of ``model``."""
    if expected is None:
        return
    fits = len(shape) == len(expected) and all(
        e == -1 or e == s for s, e in zip(shape, expected, strict=True)
    )
    if not fits:
        want = ", ".join("N" if e == -1 else str(e) for e in expected)
        raise InputShapeError(
            f"{source} have shape {tuple(shape)} but {model} expects ({want}); "
            "give images as (N, C, H, W) (or (N, H, W) for one channel) of that size"
        )


def check_unit_range(x: np.ndarray | torch.Tensor, source: str, pixel_max: float) -> None:
    """Raise unless every value is finite and within [0, 1] after scaling by ``pixel_max``."""
    values = torch.as_tensor(x)
    if not torch.isfinite(values).all():
        raise DataFileError(f"{source}: contains NaN or Inf values")
    low, high = float(values.min()), float(values.max())
    if low < 0.0 or high > 1.0:
        raise DataFileError(
            f"{source}: values span [{low:.3g}, {high:.3g}] after dividing by pixel_max="
            f"{pixel_max}; expected [0, 1] (set pixel_max to the images' maximum value)"
        )


@torch.no_grad()
def predict_proba(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """Softmax probabilities (N, classes), computed in batches on the CPU."""
    chunks = [
        torch.softmax(model(x[i : i + batch_size].float()), dim=1)
        for i in range(0, len(x), batch_size)
    ]
    return torch.cat(chunks).numpy()


def score(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Test accuracy (correct / n), macro-F1 and mean negative log-likelihood."""
    labels = np.asarray(labels)
    predicted = probabilities.argmax(axis=1)
    picked = probabilities[np.arange(len(labels)), labels]
    return {
        "test_acc": float(np.count_nonzero(predicted == labels) / len(labels)),
        "test_f1_macro": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "test_loss": float(-np.log(np.clip(picked, 1e-12, None)).mean()),
    }

"""Scaling and standardization fitted on the training split only."""

from __future__ import annotations

import numpy as np


def channel_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation over (N, H, W) of (N, C, H, W) images."""
    mean = images.mean(axis=(0, 2, 3))
    std = images.std(axis=(0, 2, 3))
    return mean.astype(np.float32), np.maximum(std, 1e-8).astype(np.float32)


def standardize(images: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """(x - mean) / std per channel."""
    return ((images - mean[None, :, None, None]) / std[None, :, None, None]).astype(np.float32)

"""Histogram of oriented gradients (Dalal & Triggs, 2005), vectorized over a batch.

Per image: central-difference gradients; unsigned orientation in [0, 180) degrees split
into ``bins`` bins with linear interpolation between the two nearest bin centres; votes
weighted by gradient magnitude and summed per ``cell`` x ``cell`` pixel cell; blocks of
``block`` x ``block`` cells (stride one cell) are L2-Hys normalized (L2, clip at 0.2, L2
again) and concatenated. For 28x28 digits with 7-pixel cells, 2x2 blocks and 9 bins
that is 3 x 3 blocks x 4 cells x 9 bins = 324 features.
"""

from __future__ import annotations

import numpy as np


def _gradients(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gx = np.zeros_like(images)
    gy = np.zeros_like(images)
    gx[:, :, 1:-1] = images[:, :, 2:] - images[:, :, :-2]
    gy[:, 1:-1, :] = images[:, 2:, :] - images[:, :-2, :]
    magnitude = np.hypot(gx, gy)
    angle = np.rad2deg(np.arctan2(gy, gx)) % 180.0  # unsigned orientation
    return magnitude, angle


def _cell_histograms(images: np.ndarray, cell: int, bins: int) -> np.ndarray:
    n, h, w = images.shape
    magnitude, angle = _gradients(images)
    width = 180.0 / bins
    position = angle / width - 0.5  # bin centres at (i + 0.5) * width
    low = np.floor(position).astype(int)
    frac = position - low
    cy, cx = h // cell, w // cell
    magnitude = magnitude[:, : cy * cell, : cx * cell]
    low, frac = low[:, : cy * cell, : cx * cell], frac[:, : cy * cell, : cx * cell]
    hist = np.zeros((n, cy, cx, bins))
    cell_y = np.repeat(np.arange(cy), cell)[None, :, None]
    cell_x = np.repeat(np.arange(cx), cell)[None, None, :]
    image = np.arange(n)[:, None, None]
    for offset, weight in ((0, 1.0 - frac), (1, frac)):
        b = (low + offset) % bins  # orientation wraps around at 180 degrees
        shape = magnitude.shape
        np.add.at(
            hist,
            (np.broadcast_to(image, shape), np.broadcast_to(cell_y, shape),
             np.broadcast_to(cell_x, shape), b),
            magnitude * weight,
        )  # fmt: skip
    return hist


def hog_features(
    images: np.ndarray, cell: int = 7, block: int = 2, bins: int = 9, eps: float = 1e-6
) -> np.ndarray:
    """HOG descriptors of (N, H, W) or (N, 1, H, W) grayscale images -> (N, features)."""
    if images.ndim == 4:
        if images.shape[1] != 1:
            raise ValueError(f"HOG here takes grayscale images, got {images.shape[1]} channels")
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"images must be (N, H, W) or (N, 1, H, W), got shape {images.shape}")
    hist = _cell_histograms(images.astype(np.float64), cell, bins)
    n, cy, cx, _ = hist.shape
    if cy < block or cx < block:
        raise ValueError(f"{cy}x{cx} cells of {cell} px cannot hold a {block}x{block} block")
    blocks = []
    for y in range(cy - block + 1):
        for x in range(cx - block + 1):
            v = hist[:, y : y + block, x : x + block].reshape(n, -1)
            v = v / np.sqrt((v**2).sum(axis=1, keepdims=True) + eps**2)
            v = np.minimum(v, 0.2)  # L2-Hys clipping
            blocks.append(v / np.sqrt((v**2).sum(axis=1, keepdims=True) + eps**2))
    return np.concatenate(blocks, axis=1).astype(np.float32)

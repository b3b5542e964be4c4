"""A small synthetic ``ModelInput`` for tests, benchmarks and pipeline slices.

Each class brightens its own horizontal band of the image over uniform noise, so a small
network learns it in a few epochs; the data need no download and no ``data_processing`` run.
"""

from __future__ import annotations

import torch

from dl_lab.data.bundle import ModelInput


def synthetic_bundle(
    sizes: tuple[int, int, int] = (96, 48, 48),
    classes: int = 3,
    shape: tuple[int, int, int] = (1, 8, 8),
    seed: int = 0,
    signal: float = 0.5,
) -> ModelInput:
    """``sizes`` (train, val, test) images of ``shape`` in [0, 1] over ``classes`` classes."""
    generator = torch.Generator().manual_seed(seed)
    channels, height, _ = shape
    band = max(1, height // classes)
    parts = {}
    for split, n in zip(("train", "val", "test"), sizes, strict=True):
        y = torch.arange(n) % classes
        x = torch.rand(n, *shape, generator=generator) * (1 - signal)
        for c in range(classes):
            x[y == c, :, c * band : (c + 1) * band, :] += signal
        parts[f"x_{split}"], parts[f"y_{split}"] = x, y
    train = parts["x_train"]
    return ModelInput(
        **parts,
        mean=train.mean(dim=(0, 2, 3)),
        std=train.std(dim=(0, 2, 3)).clamp_min(1e-8),
        classes=[f"class_{c}" for c in range(classes)],
        dataset=f"synthetic_{classes}x{'x'.join(map(str, shape))}",
        fingerprint=f"synthetic-seed{seed}-{'-'.join(map(str, sizes))}",
    )

"""The typed model input: the three splits, their statistics, classes and provenance.

``data_processing`` makes one ``ModelInput``; every training pipeline reads it through the
catalog (``datasets.ModelInputDataset``, saved as a plain dict of tensors and loaded with
``weights_only=True``). The subset and standardization helpers live here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from dl_lab.data.preprocess import channel_stats
from dl_lab.data.sources import ImageSet
from dl_lab.data.splits import fingerprint

SPLIT_NAMES = ("train", "val", "test")
Pair = tuple[torch.Tensor, torch.Tensor]


def stratified_indices(labels: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """Sorted indices of a class-stratified, seeded subset of ``size`` items (all: None).

    Stratification needs at least one item per class on both sides of the cut; outside
    that range the subset is drawn uniformly.
    """
    n = len(labels)
    if size is None or size == n:
        return np.arange(n)
    if not 1 <= size <= n:
        raise ValueError(f"subset size must be in [1, {n}] (the split's size), got {size}")
    classes = len(np.unique(labels))
    stratify = labels if classes <= size <= n - classes else None
    keep, _ = train_test_split(np.arange(n), train_size=size, stratify=stratify, random_state=seed)
    return np.sort(keep)


@dataclass(frozen=True)
class ModelInput:
    """Images (N, C, H, W) in [0, 1] and integer labels per split, with the training
    split's per-channel ``mean``/``std``, the class names, the data set's name and the
    fingerprint of the data and split indices."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor
    classes: list[str]
    dataset: str
    fingerprint: str

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one image."""
        channels, height, width = self.x_train.shape[1:]
        return int(channels), int(height), int(width)

    def split(self, name: str) -> Pair:
        """``(x, y)`` of the split ``name`` (train, val or test)."""
        if name not in SPLIT_NAMES:
            raise ValueError(f"unknown split {name!r}; available: {', '.join(SPLIT_NAMES)}")
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")

    def splits(self, *names: str) -> dict[str, Pair]:
        """``{"train": (x, y), ...}`` for ``names`` (default: all three)."""
        return {name: self.split(name) for name in names or SPLIT_NAMES}

    def standardize(self, x: torch.Tensor) -> torch.Tensor:
        """``(x - mean) / std`` per channel, with the training split's statistics."""
        return (x - self.mean.reshape(1, -1, 1, 1)) / self.std.reshape(1, -1, 1, 1)

    def standardized(self, name: str) -> Pair:
        """The split ``name`` with standardized images."""
        x, y = self.split(name)
        return self.standardize(x), y

    def with_train(self, x: torch.Tensor, y: torch.Tensor) -> ModelInput:
        """The same bundle with another training split (statistics and provenance kept)."""
        return replace(self, x_train=x, y_train=y)

    def train_subset(self, size: int | None, seed: int) -> ModelInput:
        """The bundle with a stratified, seeded subset of ``size`` training samples."""
        keep = torch.from_numpy(stratified_indices(self.y_train.numpy(), size, seed))
        return self.with_train(self.x_train[keep], self.y_train[keep])

    def to_state(self) -> dict[str, Any]:
        """Plain tensors, strings and lists: what ``torch.load(weights_only=True)`` reads."""
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["classes"] = list(self.classes)
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ModelInput:
        """The bundle from ``to_state``'s dict; a missing or unknown key is named."""
        expected = {f.name for f in fields(cls)}
        missing, unknown = sorted(expected - set(state)), sorted(set(state) - expected)
        if missing or unknown:
            raise ValueError(
                f"not a model input: missing keys {missing}, unknown keys {unknown}; "
                f"expected {sorted(expected)}"
            )
        return cls(**{**state, "classes": list(state["classes"])})


def bundle_images(images: ImageSet, indices: dict[str, np.ndarray]) -> ModelInput:
    """Scale ``images`` to [0, 1] and cut them into the splits ``indices`` names; the
    standardization statistics come from the training split only."""
    scaled = images.images / images.pixel_max  # (N, C, H, W) in [0, 1]
    mean, std = channel_stats(scaled[indices["train"]])
    parts: dict[str, torch.Tensor] = {}
    for split in SPLIT_NAMES:
        idx = indices[split]
        parts[f"x_{split}"] = torch.from_numpy(np.ascontiguousarray(scaled[idx], dtype=np.float32))
        parts[f"y_{split}"] = torch.from_numpy(images.labels[idx])
    return ModelInput(
        **parts,
        mean=torch.from_numpy(mean),
        std=torch.from_numpy(std),
        classes=list(images.classes),
        dataset=images.name,
        fingerprint=fingerprint(images.images, images.labels, indices),
    )

"""Stratified, seeded, disjoint train/val/test splits and their fingerprint."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import train_test_split

SPLITS = ("train", "val", "test")


def auto_ratios(n_samples: int) -> tuple[float, float, float]:
    """The course's rule (1.11): <10k 80/10/10, 10k-50k 75/15/10, >50k 70/15/15."""
    if n_samples < 10_000:
        return (0.80, 0.10, 0.10)
    if n_samples <= 50_000:
        return (0.75, 0.15, 0.10)
    return (0.70, 0.15, 0.15)


def check_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    """Three positive ratios that sum to 1, or a ValueError that says which rule broke."""
    if len(ratios) != 3:
        raise ValueError(f"split ratios must be [train, val, test], got {list(ratios)}")
    if any(r <= 0 for r in ratios):
        raise ValueError(f"split ratios must all be > 0, got {list(ratios)}")
    if abs(sum(ratios) - 1.0) > 1e-6:
        raise ValueError(f"split ratios must sum to 1, got {list(ratios)} (sum {sum(ratios):.4f})")
    return (float(ratios[0]), float(ratios[1]), float(ratios[2]))


def _check_class_sizes(labels: np.ndarray, ratios: tuple[float, float, float]) -> None:
    classes, counts = np.unique(labels, return_counts=True)
    needed = int(np.ceil(1.0 / min(ratios)))
    small = {int(c): int(n) for c, n in zip(classes, counts, strict=True) if n < needed}
    if small:
        raise ValueError(
            f"classes too small to stratify with ratios {list(ratios)}: {small} "
            f"(each class needs at least {needed} samples)"
        )


def split_stratified(
    labels: np.ndarray, ratios: Sequence[float], seed: int
) -> dict[str, np.ndarray]:
    """Indices of a stratified train/val/test split: test first, then val out of the rest."""
    train_r, val_r, test_r = check_ratios(ratios)
    _check_class_sizes(labels, (train_r, val_r, test_r))
    every = np.arange(len(labels))
    rest, test = train_test_split(every, test_size=test_r, stratify=labels, random_state=seed)
    train, val = train_test_split(
        rest, test_size=val_r / (train_r + val_r), stratify=labels[rest], random_state=seed
    )
    indices = {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}
    check_disjoint_cover(indices, len(labels))
    return indices


def check_disjoint_cover(indices: dict[str, np.ndarray], n_samples: int) -> None:
    """Leakage guard: the index sets are pairwise disjoint and together cover every sample."""
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1 :]:
            shared = np.intersect1d(indices[a], indices[b])
            if shared.size:
                raise ValueError(f"leakage: {shared.size} samples are in both {a} and {b}")
    covered = np.unique(np.concatenate([indices[s] for s in SPLITS]))
    if covered.size != n_samples:
        raise ValueError(f"splits cover {covered.size} of {n_samples} samples")


def fingerprint(images: np.ndarray, labels: np.ndarray, indices: dict[str, np.ndarray]) -> str:
    """A short hash of the data and the split, so two runs can show they saw the same data."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(labels).tobytes())
    for split in SPLITS:
        digest.update(split.encode())
        digest.update(np.ascontiguousarray(indices[split], dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]

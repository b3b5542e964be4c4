"""Splits: stratified within a point, disjoint, covering, deterministic; bad ratios fail."""

from __future__ import annotations

import numpy as np
import pytest

from dl_lab.data.splits import auto_ratios, fingerprint, split_stratified


@pytest.fixture
def labels() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.choice(10, size=5000, p=np.linspace(0.05, 0.15, 10))  # imbalanced classes


def test_class_proportions_within_one_point(labels):
    overall = np.bincount(labels, minlength=10) / len(labels)
    for idx in split_stratified(labels, (0.8, 0.1, 0.1), seed=1).values():
        share = np.bincount(labels[idx], minlength=10) / len(idx)
        assert np.abs(share - overall).max() < 0.01


def test_disjoint_cover_and_sizes(labels):
    parts = split_stratified(labels, (0.7, 0.15, 0.15), seed=3)
    joined = np.concatenate(list(parts.values()))
    assert len(joined) == len(np.unique(joined)) == len(labels)
    assert [len(parts[s]) for s in ("train", "val", "test")] == [3500, 750, 750]


def test_same_seed_same_split_other_seed_other_split(labels):
    a = split_stratified(labels, (0.8, 0.1, 0.1), seed=7)
    b = split_stratified(labels, (0.8, 0.1, 0.1), seed=7)
    c = split_stratified(labels, (0.8, 0.1, 0.1), seed=8)
    assert all(np.array_equal(a[s], b[s]) for s in a)
    assert not np.array_equal(a["test"], c["test"])


@pytest.mark.parametrize(
    ("n", "expected"),
    [(5_000, (0.8, 0.1, 0.1)), (20_000, (0.75, 0.15, 0.1)), (70_000, (0.7, 0.15, 0.15))],
)
def test_auto_ratios_follow_the_course(n, expected):
    assert auto_ratios(n) == expected


@pytest.mark.parametrize(
    ("ratios", "message"),
    [
        ((0.7, 0.2, 0.2), "sum to 1"),
        ((0.9, 0.1, 0.0), "> 0"),
        ((0.5, 0.5), r"\[train, val, test\]"),
    ],
)
def test_bad_ratios_are_named(labels, ratios, message):
    with pytest.raises(ValueError, match=message):
        split_stratified(labels, ratios, seed=0)


def test_class_too_small_to_stratify():
    labels = np.array([0] * 50 + [1] * 50 + [2] * 3)
    with pytest.raises(ValueError, match=r"classes too small.*\{2: 3\}"):
        split_stratified(labels, (0.8, 0.1, 0.1), seed=0)


def test_fingerprint_changes_with_the_split(labels):
    images = np.zeros((len(labels), 1, 2, 2), dtype=np.float32)
    a = fingerprint(images, labels, split_stratified(labels, (0.8, 0.1, 0.1), seed=1))
    b = fingerprint(images, labels, split_stratified(labels, (0.8, 0.1, 0.1), seed=2))
    assert a != b and len(a) == 16

"""HOG features: size, orientation, invariance to brightness and contrast."""

from __future__ import annotations

import numpy as np
import pytest

from dl_lab.diagnostics.hog import hog_features


def test_size_for_digits():
    assert hog_features(np.zeros((3, 1, 28, 28))).shape == (3, 324)


def test_vertical_edge_votes_for_horizontal_gradients():
    image = np.zeros((1, 28, 28))
    image[:, :, 14:] = 1.0
    cells = hog_features(image).reshape(9, 4, 9)  # blocks x cells x bins
    energy = cells.sum(axis=(0, 1))
    assert energy[[0, 8]].sum() > 0.99 * energy.sum()  # 0 degrees sits between bins 0 and 8


def test_invariant_to_brightness_and_contrast():
    rng = np.random.default_rng(0)
    images = rng.random((4, 28, 28))
    assert np.allclose(hog_features(images), hog_features(3.0 * images + 0.5), atol=1e-5)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="grayscale"):
        hog_features(np.zeros((1, 3, 28, 28)))
    with pytest.raises(ValueError, match="cannot hold"):
        hog_features(np.zeros((1, 8, 8)))

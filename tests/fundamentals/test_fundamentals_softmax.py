"""Stable softmax with temperature, and dCE/dz = p - y (2.14)."""

import numpy as np
import pytest
import torch

from dl_lab.fundamentals.gradcheck import numerical_gradient, relative_error
from dl_lab.fundamentals.softmax import (
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    naive_softmax,
    one_hot,
    softmax,
)


def test_course_softmax_example_2_14():
    z = np.array([2.0, 1.0, 0.1])
    np.testing.assert_allclose(np.exp(z), [7.39, 2.72, 1.105], atol=5e-3)
    np.testing.assert_allclose(softmax(z), [0.659, 0.242, 0.099], atol=5e-4)
    assert softmax(z).sum() == pytest.approx(1.0)


def test_stable_softmax_survives_logits_that_overflow_the_naive_formula():
    z = np.array([1000.0, 1001.0, 1002.0])
    with np.errstate(all="ignore"):
        assert np.isnan(naive_softmax(z)).all()
    np.testing.assert_allclose(softmax(z), softmax(z - 1000.0), rtol=1e-15)
    np.testing.assert_allclose(softmax(z), torch.softmax(torch.tensor(z), 0).numpy(), rtol=1e-14)
    assert np.isfinite(log_softmax(np.array([-1e4, 0.0, 1e4]))).all()


def test_temperature_sharpens_and_flattens():
    z = np.array([2.0, 1.0, 0.1])
    np.testing.assert_allclose(softmax(z, temperature=0.01), [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(softmax(z, temperature=1e6), np.full(3, 1 / 3), atol=1e-6)
    np.testing.assert_allclose(softmax(z, temperature=2.0), softmax(z / 2.0))
    assert softmax(z, temperature=0.5)[0] > softmax(z)[0] > softmax(z, temperature=2.0)[0]
    with pytest.raises(ValueError, match="temperature must be > 0, got 0"):
        softmax(z, temperature=0)


def test_cross_entropy_gradient_is_p_minus_y():
    rng = np.random.default_rng(0)
    z, labels = rng.normal(size=(6, 4)) * 3, rng.integers(0, 4, size=6)
    analytic = cross_entropy_grad(z, labels)
    np.testing.assert_allclose(analytic * 6, softmax(z) - one_hot(labels, 4), rtol=1e-14)
    numeric = numerical_gradient(lambda: cross_entropy(z, labels), z, eps=1e-6)
    assert relative_error(analytic, numeric) < 1e-8
    zt = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(zt, torch.tensor(labels))
    loss.backward()
    assert cross_entropy(z, labels) == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(analytic, zt.grad.numpy(), rtol=1e-12)


def test_soft_targets_and_bad_targets():
    z = np.zeros((2, 3))
    assert cross_entropy(z, np.full((2, 3), 1 / 3)) == pytest.approx(np.log(3))
    with pytest.raises(ValueError, match=r"targets must be labels \(n,\) or \(n, 3\)"):
        cross_entropy(z, np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"logits must be \(n, k\)"):
        cross_entropy(np.zeros(3), np.array([0]))

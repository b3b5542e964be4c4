"""CNN behaviour: shifting, the small CNN's geometry, AlexNet's LRN, pooling variants."""

from __future__ import annotations

import pytest
import torch

from dl_lab.diagnostics.cnn import first_layer_views, pooling_invariance, relu_sparsity, shift
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.models import NETWORKS
from dl_lab.models.probes import NORMS, SmallCNN
from dl_lab.training.loops import LoopConfig


def test_shift_moves_pixels_and_fills_background():
    x = torch.zeros(1, 1, 4, 4)
    x[0, 0, 1, 1] = 1.0
    moved = shift(x, 1, 2)
    assert moved[0, 0, 2, 3] == 1.0 and moved.sum() == 1.0
    assert torch.equal(shift(x, 0, 0), x)


@pytest.mark.parametrize("downsample", ["max", "avg", "stride", "none"])
@pytest.mark.parametrize("size", [28, 32])
def test_small_cnn_geometry(downsample, size):
    net = NETWORKS.build("small_cnn", image_size=size, channels=(4, 8), downsample=downsample)
    assert isinstance(net, SmallCNN)
    assert net(torch.zeros(2, 1, size, size)).shape == (2, 10)


def test_small_cnn_refuses_images_its_pools_would_erase():
    with pytest.raises(ValueError, match="too small"):
        SmallCNN(1, 10, 4, (4, 4, 4), downsample="max")


def test_lrn_matches_alexnet_on_the_course_example():
    """Course 3.9: channels 2.5, 5.0, 3.5 with n=5 share one denominator: all scaled 0.594."""
    a = torch.tensor([2.5, 5.0, 3.5]).reshape(1, 3, 1, 1)
    b = NORMS["lrn"](3)(a)
    alexnet = a / (2 + 1e-4 * (a**2).sum()) ** 0.75
    assert torch.allclose(b, alexnet)
    assert (b / a).flatten().tolist() == pytest.approx([0.594] * 3, abs=1e-3)
    with pytest.raises(ValueError, match="allowed"):
        SmallCNN(norm="layer")


def test_pooling_variants_and_views(toy_splits):
    variants = {
        "max": {"downsample": "max", "channels": [4]},
        "none": {"downsample": "none", "channels": [4]},
    }
    table, curves, models = pooling_invariance(
        variants, toy_splits, LoopConfig(epochs=1), [0, 1], seed=0, thresholds=FitThresholds()
    )
    assert set(curves["variant"]) == {"max", "none"} and set(curves["shift_px"]) == {0, 1}
    assert curves["accuracy"].between(0, 1).all()
    views = first_layer_views(models["max"], toy_splits.x_eval[:2])
    assert views["filters"].shape == (4, 3, 3)
    assert (views["post_relu"] >= 0).all() and (views["pre_relu"] < 0).any()
    sparsity = relu_sparsity(models["max"], toy_splits.x_eval)
    assert sparsity["zero_fraction"].between(0, 1).all() and sparsity["height"].tolist() == [8]

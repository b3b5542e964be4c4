"""CNN behaviour: shifting, the small CNN's geometry, AlexNet's LRN, pooling variants."""

from __future__ import annotations

import pytest
import torch

from dl_lab.diagnostics.cnn import (
    first_layer_views,
    normalization_stability,
    pooling_invariance,
    relu_sparsity,
    shift,
)
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
    table, curves, sparsity, views = pooling_invariance(
        variants, {0: toy_splits, 1: toy_splits}, LoopConfig(epochs=1), [0, 1],
        thresholds=FitThresholds(), shown=toy_splits.x_eval[:2],
    )  # fmt: skip
    assert set(curves["variant"]) == {"max", "none"} and set(curves["shift_px"]) == {0, 1}
    assert curves["accuracy"].between(0, 1).all() and set(curves["seed"]) == {0, 1}
    assert table[["seed", "variant"]].values.tolist() == [[0, "max"], [0, "none"], [1, "max"],
                                                           [1, "none"]]  # fmt: skip
    assert views["filters"].shape == (4, 3, 3)
    assert (views["post_relu"] >= 0).all() and (views["pre_relu"] < 0).any()
    # the first variant's maps, on every seed
    assert sparsity["seed"].tolist() == [0, 1] and sparsity["height"].tolist() == [8, 8]
    assert sparsity["zero_fraction"].between(0, 1).all()


def test_relu_sparsity_and_views_of_a_trained_cnn(toy_splits):
    net = NETWORKS.build("small_cnn", image_size=8, channels=(4,), downsample="max")
    sparsity = relu_sparsity(net, toy_splits.x_eval)
    assert sparsity[["block", "channels", "height"]].values.tolist() == [[1, 4, 8]]
    assert first_layer_views(net, toy_splits.x_eval[:3])["pre_relu"].shape == (3, 4, 8, 8)


def test_normalization_runs_every_norm_rate_and_seed(toy_splits):
    table, histories = normalization_stability(
        ["none", "batch"], [0.05, 0.5], {0: toy_splits, 3: toy_splits},
        LoopConfig(epochs=1, optimizer="sgd"), FitThresholds(), channels=(4,),
    )  # fmt: skip
    assert len(table) == 2 * 2 * 2 and set(table["seed"]) == {0, 3}
    assert set(zip(table["norm"], table["lr"], strict=True)) == {
        ("none", 0.05), ("none", 0.5), ("batch", 0.05), ("batch", 0.5)
    }  # fmt: skip
    assert len(histories) == 8 and set(histories["seed"]) == {0, 3}

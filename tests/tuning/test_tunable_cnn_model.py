"""The search-space CNN: shapes, parameter counts and refusals."""

from __future__ import annotations

import pytest
import torch

import dl_lab.models.tunable_cnn  # noqa: F401  (registers tunable_cnn)
from dl_lab.models import ARCHITECTURES, build_model, count_parameters
from dl_lab.registry import UnknownNameError


@pytest.mark.parametrize("conv_layers", [1, 2, 3])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu"])
def test_logits_shape_for_every_depth_and_activation(conv_layers, activation):
    net = build_model(
        "tunable_cnn",
        in_channels=1,
        num_classes=10,
        image_size=(28, 28),
        conv_layers=conv_layers,
        filters=8,
        dense_units=16,
        activation=activation,
    )
    assert net(torch.zeros(4, 1, 28, 28)).shape == (4, 10)


def test_filters_double_per_block_and_parameter_count():
    net = build_model(
        "tunable_cnn",
        in_channels=1,
        num_classes=10,
        image_size=(28, 28),
        conv_layers=2,
        filters=8,
        dense_units=32,
    )
    widths = [m.out_channels for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert widths == [8, 16]
    # conv 1->8 (80) + conv 8->16 (1,168) + dense 16*7*7->32 (25,120) + 32->10 (330)
    assert count_parameters(net) == 80 + 1168 + 25120 + 330


def test_registered_under_its_name():
    assert "tunable_cnn" in ARCHITECTURES.available()


def test_too_many_pooling_blocks_is_refused():
    with pytest.raises(ValueError, match="at most 3 conv_layers"):
        build_model("tunable_cnn", in_channels=1, num_classes=10, image_size=(8, 8), conv_layers=4)


def test_unknown_activation_lists_the_allowed_ones():
    with pytest.raises(UnknownNameError, match="available: elu, gelu, leaky_relu"):
        build_model(
            "tunable_cnn", in_channels=1, num_classes=10, image_size=(28, 28), activation="swish"
        )

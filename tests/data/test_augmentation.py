"""Augmentation: shapes and value ranges kept, applied in training steps only."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from dl_lab.data.augmentation import AugmentationSpec, BatchAugmenter
from dl_lab.models import build_model
from dl_lab.training.classification import ClassificationModule, Standardize
from dl_lab.training.optimizers import OptimizerConfig

SPEC = AugmentationSpec(
    rotation_degrees=15, translate=0.1, crop_padding=2, noise_std=0.1, erasing=0.5
)


def test_shape_dtype_and_range_are_kept():
    torch.manual_seed(0)
    images = torch.rand(40, 1, 28, 28)
    out = BatchAugmenter(SPEC, (28, 28))(images)
    assert out.shape == images.shape and out.dtype == images.dtype
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not torch.equal(out, images)


def test_groups_get_different_draws():
    torch.manual_seed(0)
    image = torch.rand(1, 1, 28, 28).expand(32, -1, -1, -1).clone()
    out = BatchAugmenter(
        SPEC.model_copy(update={"noise_std": 0, "erasing": 0, "group_size": 8}), (28, 28)
    )(image)
    groups = out.view(4, 8, -1)
    assert torch.equal(groups[0, 0], groups[0, 7])  # one draw per group
    assert not torch.equal(groups[0, 0], groups[1, 0])


def test_disabled_spec_is_identity():
    images = torch.rand(4, 3, 32, 32)
    assert BatchAugmenter(AugmentationSpec(), (32, 32))(images) is images


@pytest.mark.parametrize("field", ["rotation_degrees", "horizontal_flip", "erasing"])
def test_out_of_range_values_are_rejected(field):
    with pytest.raises(ValidationError, match=field):
        AugmentationSpec(**{field: 500})


def test_only_training_steps_augment():
    calls = []

    class Spy(torch.nn.Module):
        def forward(self, x):
            calls.append(x.shape[0])
            return x

    net = build_model("mlp", in_channels=1, num_classes=10, image_size=(28, 28), depth=1, width=8)
    module = ClassificationModule(
        net, 10, OptimizerConfig(), Standardize(torch.zeros(1), torch.ones(1)), augment=Spy()
    )
    module.log = lambda *a, **k: None  # outside a Trainer
    batch = (torch.rand(5, 1, 28, 28), torch.randint(0, 10, (5,)))
    module.validation_step(batch, 0)
    module.test_step(batch, 0)
    assert calls == []
    module.training_loss(batch)
    assert calls == [5]

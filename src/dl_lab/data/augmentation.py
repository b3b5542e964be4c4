"""Training-time augmentation: a torchvision.transforms.v2 pipeline from a spec.

The spec is data (YAML -> ``AugmentationSpec``); ``build_augmentation`` turns it into a
``v2.Compose``; ``BatchAugmenter`` applies it to whole batches already on the training
device. transforms.v2 draws one set of random parameters per call, so a batch is cut
into groups of ``group_size`` samples, each group transformed with its own draw
(``group_size: 1`` gives per-sample draws at a per-sample cost).
Only the training step calls it: validation and test batches are never augmented.
"""

from __future__ import annotations

import torch
from pydantic import BaseModel, ConfigDict, Field
from torchvision.transforms import v2


class AugmentationSpec(BaseModel):
    """Which transforms to apply and how strongly; every field off (0) by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rotation_degrees: float = Field(0.0, ge=0, le=180, description="max |rotation|")
    translate: float = Field(0.0, ge=0, lt=1, description="max shift, fraction of size")
    crop_padding: int = Field(0, ge=0, description="pad then random-crop back to size")
    horizontal_flip: float = Field(0.0, ge=0, le=1, description="flip probability")
    noise_std: float = Field(0.0, ge=0, description="Gaussian noise sigma")
    erasing: float = Field(0.0, ge=0, le=1, description="random-erasing probability")
    group_size: int = Field(16, ge=1, description="samples that share one random draw")

    @property
    def enabled(self) -> bool:
        return any(
            (
                self.rotation_degrees,
                self.translate,
                self.crop_padding,
                self.horizontal_flip,
                self.noise_std,
                self.erasing,
            )
        )


def build_augmentation(spec: AugmentationSpec, image_size: tuple[int, int]) -> v2.Compose:
    """The ``v2.Compose`` that ``spec`` describes (identity when nothing is enabled)."""
    steps: list[torch.nn.Module] = []
    if spec.rotation_degrees or spec.translate:
        steps.append(
            v2.RandomAffine(degrees=spec.rotation_degrees, translate=(spec.translate,) * 2)
        )
    if spec.crop_padding:
        steps.append(v2.RandomCrop(image_size, padding=spec.crop_padding))
    if spec.horizontal_flip:
        steps.append(v2.RandomHorizontalFlip(p=spec.horizontal_flip))
    if spec.noise_std:
        steps.append(v2.GaussianNoise(sigma=spec.noise_std, clip=True))
    if spec.erasing:
        steps.append(v2.RandomErasing(p=spec.erasing))
    return v2.Compose(steps or [v2.Identity()])


class BatchAugmenter(torch.nn.Module):
    """Applies a transform to (B, C, H, W) batches, one random draw per group of samples."""

    def __init__(self, spec: AugmentationSpec, image_size: tuple[int, int]) -> None:
        super().__init__()
        self.spec = spec
        self.transform = build_augmentation(spec, image_size)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if not self.spec.enabled:
            return images
        groups = images.split(self.spec.group_size)
        return torch.cat([self.transform(group) for group in groups])

"""The architecture registry."""

from __future__ import annotations

from typing import Any

from torch import nn

from dl_lab.registry import Registry

ARCHITECTURES: Registry[nn.Module] = Registry("architecture")


def build_model(
    name: str,
    *,
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    **options: Any,
) -> nn.Module:
    """Build the architecture registered as ``name`` for the given input and classes."""
    builder = ARCHITECTURES.get(name)
    return builder(
        in_channels=in_channels, num_classes=num_classes, image_size=tuple(image_size), **options
    )

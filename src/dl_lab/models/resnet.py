"""ResNet-style networks (He et al., 2016, "Deep residual learning for image recognition").

The CIFAR-10 design of the paper's section 4.2, built from torchvision's ``BasicBlock``:
a 3x3 conv, then three stages of ``n`` basic blocks with ``width``, 2x and 4x channels
(16/32/64 in the paper), stride 2 at the start of stages 2 and 3, global average pooling
and a linear layer: depth = 6n + 2 weight layers (20, 32, 44, 56, 110). ``blocks`` sets
the blocks per stage directly (``[2, 2, 2, 2]`` with ``width: 64`` is ResNet-18's body).
Shortcuts that change shape are 1x1 projections (the paper's option B, torchvision's).
``skip: false`` is the paper's "plain" counterpart: the same layers without shortcuts,
which lets the degradation problem be measured (deeper plain nets train worse).
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, conv1x1, conv3x3

from dl_lab.models.registry import ARCHITECTURES


class PlainBlock(BasicBlock):
    """A ``BasicBlock`` without its shortcut: relu(bn2(conv2(relu(bn1(conv1(x))))))."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)))


def _norm(batch_norm: bool):
    return nn.BatchNorm2d if batch_norm else (lambda channels: nn.Identity())


class ResNetStyle(nn.Module):
    """Stem conv -> stages of basic (or plain) blocks -> global average pool -> linear."""

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        blocks: list[int],
        width: int = 16,
        skip: bool = True,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        norm = _norm(batch_norm)
        self.stem = nn.Sequential(conv3x3(in_channels, width), norm(width), nn.ReLU(inplace=True))
        stages, channels = [], width
        for index, count in enumerate(blocks):
            planes = width * 2**index
            stride = 1 if index == 0 else 2
            stages.append(self._stage(channels, planes, count, stride, skip, norm))
            channels = planes
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)
        )
        for module in self.modules():
            if isinstance(module, nn.Conv2d):  # as torchvision's ResNet (He et al., 2015 init)
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    @staticmethod
    def _stage(inplanes: int, planes: int, count: int, stride: int, skip: bool, norm) -> nn.Module:
        block = BasicBlock if skip else PlainBlock
        downsample = None
        if skip and (stride != 1 or inplanes != planes):
            downsample = nn.Sequential(conv1x1(inplanes, planes, stride), norm(planes))
        layers = [block(inplanes, planes, stride, downsample, norm_layer=norm)]
        layers += [block(planes, planes, norm_layer=norm) for _ in range(count - 1)]
        return nn.Sequential(*layers)

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))


@ARCHITECTURES.register("resnet")
def resnet(
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    depth: int = 20,
    width: int = 16,
    skip: bool = True,
    batch_norm: bool = True,
    blocks: list[int] | None = None,
) -> ResNetStyle:
    """ResNet-``depth`` (6n + 2) for small images; ``skip: false`` removes the shortcuts."""
    if blocks is None:
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(
                f"ResNet depth must be 6n + 2 with n >= 1 (8, 14, 20, ...), got {depth}"
            )
        blocks = [(depth - 2) // 6] * 3
    if not blocks or min(blocks) < 1 or width < 1:
        raise ValueError(f"ResNet blocks must be >= 1 and width >= 1, got {blocks}, {width}")
    if min(image_size) < 2 ** (len(blocks) - 1):
        raise ValueError(
            f"{len(blocks)} ResNet stages need inputs of at least {2 ** (len(blocks) - 1)} pixels"
        )
    return ResNetStyle(in_channels, num_classes, list(blocks), width, skip, batch_norm)

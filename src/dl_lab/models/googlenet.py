"""GoogLeNet-style networks (Szegedy et al., 2015, "Going deeper with convolutions").

Inception modules are torchvision's ``Inception``: parallel 1x1, 1x1 -> 3x3, 1x1 -> "5x5"
and 3x3 max pool -> 1x1 branches concatenated along channels, the 1x1 convolutions
reducing channels before the expensive ones. (torchvision's "5x5" branch is a 3x3
convolution, a known deviation kept for compatibility with its weights: vision#906.)
The nine modules follow the paper's Table 1 (3a ... 5b, max pooling after 3b and 4e),
channels times ``width``; ``blocks`` keeps the first few. For 28-32 pixel inputs the
paper's 7x7/2 stem and two poolings (224 -> 28) become 3x3 conv, 2x2 max pool, 3x3 conv,
so 3a sees a 14x14 (or 16x16) map. The head is global average pooling, dropout 0.4
and one linear layer, as in the paper, without the auxiliary classifiers.
torchvision's ``BasicConv2d`` carries batch norm (from Inception-v2); ``batch_norm: false``
gives the original conv + ReLU.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models.googlenet import BasicConv2d, Inception

from dl_lab.models.layers import check_dropout, scaled
from dl_lab.models.registry import ARCHITECTURES

# Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj; "M" is a 3x3/2 max pool.
TABLE_1: list[tuple[int, ...] | str] = [
    (64, 96, 128, 16, 32, 32),  # 3a
    (128, 128, 192, 32, 96, 64),  # 3b
    "M",
    (192, 96, 208, 16, 48, 64),  # 4a
    (160, 112, 224, 24, 64, 64),  # 4b
    (128, 128, 256, 24, 64, 64),  # 4c
    (112, 144, 288, 32, 64, 64),  # 4d
    (256, 160, 320, 32, 128, 128),  # 4e
    "M",
    (256, 160, 320, 32, 128, 128),  # 5a
    (384, 192, 384, 48, 128, 128),  # 5b
]


class ConvReLU(nn.Module):
    """Convolution and ReLU: the original GoogLeNet's conv block (no batch norm)."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(x))


def _inceptions(
    blocks: int, width: float, in_channels: int, conv_block: type[nn.Module]
) -> tuple[nn.Sequential, int]:
    """The first ``blocks`` modules of Table 1 (and the poolings between them)."""
    layers: list[nn.Module] = []
    used = 0
    for entry in TABLE_1:
        if used == blocks:
            break
        if entry == "M":
            layers.append(nn.MaxPool2d(3, stride=2, padding=1))
            continue
        c1, c3r, c3, c5r, c5, pp = (scaled(c, width) for c in entry)
        layers.append(Inception(in_channels, c1, c3r, c3, c5r, c5, pp, conv_block=conv_block))
        in_channels, used = c1 + c3 + c5 + pp, used + 1
    return nn.Sequential(*layers), in_channels


class GoogLeNetStyle(nn.Module):
    """Stem -> Inception modules -> global average pool -> dropout -> linear."""

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        blocks: int = 9,
        width: float = 1.0,
        dropout: float = 0.4,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        n_modules = sum(1 for e in TABLE_1 if e != "M")
        if not 1 <= blocks <= n_modules:
            raise ValueError(f"GoogLeNet blocks must be in [1, {n_modules}], got {blocks}")
        check_dropout(dropout)
        block = BasicConv2d if batch_norm else ConvReLU
        stem_out = scaled(192, width)
        self.stem = nn.Sequential(
            block(in_channels, scaled(64, width), kernel_size=3, padding=1),
            nn.MaxPool2d(2),  # 28x28 -> 14x14
            block(scaled(64, width), stem_out, kernel_size=3, padding=1),
        )
        self.inception, out_channels = _inceptions(blocks, width, stem_out, block)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),  # (B, C, 1, 1) -> (B, C)
            nn.Dropout(dropout),
            nn.Linear(out_channels, num_classes),
        )

    def forward(self, x):
        return self.head(self.inception(self.stem(x)))


@ARCHITECTURES.register("googlenet")
def googlenet(
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    blocks: int = 9,
    width: float = 1.0,
    dropout: float = 0.4,
    batch_norm: bool = True,
) -> GoogLeNetStyle:
    """GoogLeNet-style: Inception modules with 1x1 reductions; ``blocks`` of Table 1's nine."""
    if min(image_size) < 8:
        raise ValueError(f"GoogLeNet-style needs inputs of at least 8x8, got {image_size}")
    return GoogLeNetStyle(in_channels, num_classes, blocks, width, dropout, batch_norm)

"""AlexNet-style (Krizhevsky et al., 2012) and ZFNet-style (Zeiler & Fergus, 2014) networks.

Five convolutions (96, 256, 384, 384, 256 channels times ``width``) with ReLU, local
response normalization after the first two (optional), overlapping 3x3/2 max pooling after
conv1, conv2 and conv5, then three fully connected layers with dropout 0.5 before the first
two (torchvision's AlexNet classifier). Convolutions are torchvision's
``Conv2dNormActivation``. ZFNet is the same network with a smaller first filter and stride:
ImageNet's 11x11/4 -> 7x7/2. On 28-32 pixel inputs the stems become 5x5/2 (AlexNet) and
3x3/1 (ZFNet), and the poolings pad by 1 so a 28x28 image keeps a 2x2 map at the end;
``stem: [11, 4]`` / ``[7, 2]`` restores the papers' stems for 224x224 inputs.
"""

from __future__ import annotations

import inspect

from torch import nn
from torchvision.ops import Conv2dNormActivation

from dl_lab.models.layers import check_dropout, conv_out, lrn_or_identity, scaled
from dl_lab.models.registry import ARCHITECTURES

CHANNELS = (96, 256, 384, 384, 256)  # the paper's, summed over its two GPUs


def _pool() -> nn.MaxPool2d:
    return nn.MaxPool2d(kernel_size=3, stride=2, padding=1)  # overlapping pooling (s < z)


class AlexNetStyle(nn.Module):
    """AlexNet/ZFNet for any (C, H, W) input; ``stem`` is conv1's (kernel, stride)."""

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        image_size: tuple[int, int],
        stem: tuple[int, int],
        width: float = 1.0,
        hidden: int = 4096,
        dropout: float = 0.5,
        lrn: bool = True,
        batch_norm: bool = False,
        pooled_size: int = 2,
    ) -> None:
        super().__init__()
        check_dropout(dropout)
        c1, c2, c3, c4, c5 = (scaled(c, width) for c in CHANNELS)
        kernel, stride = stem
        side = conv_out(min(image_size), kernel, kernel // 2, stride)
        for _ in range(3):
            side = conv_out(side, 3, 1, 2)
        if side < 1:
            raise ValueError(f"stem {list(stem)} shrinks a {image_size} input below 1x1")

        def conv(cin: int, cout: int, k: int, s: int = 1) -> nn.Module:
            norm = nn.BatchNorm2d if batch_norm else None
            return Conv2dNormActivation(cin, cout, k, s, k // 2, norm_layer=norm, inplace=True)

        self.features = nn.Sequential(
            conv(in_channels, c1, kernel, stride),
            lrn_or_identity(lrn),
            _pool(),
            conv(c1, c2, 5),
            lrn_or_identity(lrn),
            _pool(),
            conv(c2, c3, 3),
            conv(c3, c4, 3),
            conv(c4, c5, 3),
            _pool(),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(pooled_size)
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, c5, p, p) -> (B, c5*p*p)
            nn.Dropout(dropout),
            nn.Linear(c5 * pooled_size**2, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


@ARCHITECTURES.register("alexnet")
def alexnet(
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    width: float = 1.0,
    hidden: int = 4096,
    dropout: float = 0.5,
    lrn: bool = True,
    batch_norm: bool = False,
    stem: tuple[int, int] = (5, 2),
) -> AlexNetStyle:
    """AlexNet-style: 5 conv + 3 FC, ReLU, max pooling, dropout, optional LRN."""
    return AlexNetStyle(
        in_channels, num_classes, image_size, tuple(stem), width, hidden, dropout, lrn, batch_norm
    )


ZFNET_STEM = (3, 1)


@ARCHITECTURES.register("zfnet")
def zfnet(stem: tuple[int, int] = ZFNET_STEM, **options) -> AlexNetStyle:
    """ZFNet-style: AlexNet with a smaller first-layer filter and stride."""
    return alexnet(stem=stem, **options)


# zfnet takes alexnet's options: say so in its signature, which the registry reads to check
# a variant's options and to label its regularizers (dropout and LRN by default).
zfnet.__signature__ = inspect.signature(alexnet).replace(
    parameters=[
        p.replace(default=ZFNET_STEM) if p.name == "stem" else p
        for p in inspect.signature(alexnet).parameters.values()
    ]
)

"""Multi-layer perceptron on flattened images: depth and width from parameters."""

from __future__ import annotations

from torch import nn

from dl_lab.models.layers import LRN, check_dropout
from dl_lab.models.registry import ARCHITECTURES


class MLP(nn.Module):
    """``depth`` hidden layers of ``width`` units: Linear -> [BatchNorm] -> ReLU -> [LRN] -> Dropout.

    LRN on a hidden layer normalizes each unit by its neighbours' activity (AlexNet's
    constants), the fully connected analogue of normalizing across channels.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: tuple[int, int] = (28, 28),
        depth: int = 2,
        width: int = 128,
        dropout: float = 0.0,
        batch_norm: bool = False,
        lrn: bool = False,
    ) -> None:
        super().__init__()
        if depth < 1 or width < 1:
            raise ValueError(f"MLP depth and width must be >= 1, got depth={depth}, width={width}")
        check_dropout(dropout)
        layers: list[nn.Module] = [nn.Flatten()]  # (B, C, H, W) -> (B, C*H*W)
        fan_in = in_channels * image_size[0] * image_size[1]
        for _ in range(depth):
            layers += [nn.Linear(fan_in, width)]
            layers += [nn.BatchNorm1d(width)] if batch_norm else []
            layers += [nn.ReLU()]
            layers += [LRN()] if lrn else []
            layers += [nn.Dropout(dropout)]
            fan_in = width
        layers.append(nn.Linear(fan_in, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


@ARCHITECTURES.register("mlp")
def mlp(
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    depth: int = 2,
    width: int = 128,
    dropout: float = 0.0,
    batch_norm: bool = False,
    lrn: bool = False,
) -> MLP:
    """MLP; shallow is ``depth: 1``, deep is ``depth: 4`` or more."""
    return MLP(in_channels, num_classes, image_size, depth, width, dropout, batch_norm, lrn)

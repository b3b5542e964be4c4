"""A small configurable CNN for hyperparameter search (course 1.10b).

``conv_layers`` blocks of conv 3x3 (same padding) -> activation -> max-pool 2x2, the filter
count doubling from block to block as in VGG (Simonyan & Zisserman, 2015), then
flatten -> dense -> activation -> dropout -> logits. Every knob the study searches is a
constructor argument; the activation is looked up by name.
"""

from __future__ import annotations

from torch import nn

from dl_lab.models.activations import ACTIVATIONS
from dl_lab.models.registry import ARCHITECTURES


def conv_block(in_channels: int, out_channels: int, activation: str) -> nn.Sequential:
    """conv 3x3 (same) -> activation -> max-pool 2x2: (B, C, H, W) -> (B, C', H//2, W//2)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
        ACTIVATIONS.build(activation),
        nn.MaxPool2d(2),
    )


class TunableCNN(nn.Module):
    """``conv_layers`` conv blocks (filters, 2*filters, ...) and one dense hidden layer."""

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: tuple[int, int] = (28, 28),
        conv_layers: int = 2,
        filters: int = 16,
        dense_units: int = 64,
        dropout: float = 0.0,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        height, width = image_size
        if conv_layers < 1 or filters < 1 or dense_units < 1:
            raise ValueError(
                f"tunable_cnn needs conv_layers, filters and dense_units >= 1, got "
                f"conv_layers={conv_layers}, filters={filters}, dense_units={dense_units}"
            )
        if min(height, width) >> conv_layers < 1:
            raise ValueError(
                f"tunable_cnn: {conv_layers} pooling blocks shrink a {height}x{width} input "
                f"below 1x1; use at most {min(height, width).bit_length() - 1} conv_layers"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"tunable_cnn: dropout must be in [0, 1), got {dropout}")
        ACTIVATIONS.get(activation)  # unknown names fail here, listing the allowed ones
        channels = [in_channels] + [filters * 2**i for i in range(conv_layers)]
        pairs = zip(channels[:-1], channels[1:], strict=True)
        self.features = nn.Sequential(
            *(conv_block(c_in, c_out, activation) for c_in, c_out in pairs)
        )
        flat = channels[-1] * (height >> conv_layers) * (width >> conv_layers)
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, C, h, w) -> (B, C*h*w)
            nn.Linear(flat, dense_units),
            ACTIVATIONS.build(activation),
            nn.Dropout(dropout),
            nn.Linear(dense_units, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


@ARCHITECTURES.register("tunable_cnn")
def tunable_cnn(**kwargs) -> TunableCNN:
    """The search-space CNN: conv_layers, filters, dense_units, dropout, activation."""
    return TunableCNN(**kwargs)

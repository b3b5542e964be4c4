"""LeNet-5 (LeCun et al., 1998, "Gradient-based learning applied to document recognition").

C1 conv 5x5 -> S2 pool -> C3 conv 5x5 -> S4 pool -> C5 (16*5*5 -> 120) -> F6 84 -> 10.
``classic`` keeps the paper's tanh and average pooling (without its RBF output layer and
scaled tanh); ``modern`` uses ReLU and max pooling. On a 32x32 input (or 28x28 with padding 2
in C1) it has 61,706 parameters for 10 classes. ``first_padding: 0`` on 28x28 gives the
course's valid-padding adaptation (FC input 16*4*4 = 256, 44,426 parameters).
Options ``batch_norm`` and ``lrn`` (AlexNet's normalization, after each conv's activation)
and ``dropout`` (in C5 and F6) serve the regularizer study.
"""

from __future__ import annotations

from torch import nn

from dl_lab.models.layers import check_dropout, conv_out, lrn_or_identity, norm2d
from dl_lab.models.registry import ARCHITECTURES

STYLES = {"classic": (nn.Tanh, nn.AvgPool2d), "modern": (nn.ReLU, nn.MaxPool2d)}


class LeNet5(nn.Module):
    """LeNet-5 for any (C, H, W) input with H, W >= 28 after C1's padding."""

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: tuple[int, int] = (28, 28),
        style: str = "modern",
        dropout: float = 0.0,
        batch_norm: bool = False,
        lrn: bool = False,
        first_padding: int | None = None,
    ) -> None:
        super().__init__()
        if style not in STYLES:
            raise ValueError(f"unknown LeNet-5 style {style!r}; available: {', '.join(STYLES)}")
        check_dropout(dropout)
        act, pool = STYLES[style]
        height, width = image_size
        # 28x28 digits get the paper's 32x32 field unless the padding is given.
        pad = first_padding if first_padding is not None else (2 if min(image_size) < 32 else 0)
        h = conv_out(conv_out(height, 5, pad) // 2, 5) // 2
        w = conv_out(conv_out(width, 5, pad) // 2, 5) // 2
        if min(h, w) < 1:
            raise ValueError(
                f"LeNet-5 needs inputs of at least 28x28 after padding, got {image_size}"
            )
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad),  # C1
            norm2d(batch_norm, 6),
            act(),
            lrn_or_identity(lrn),
            pool(2),  # S2
            nn.Conv2d(6, 16, 5),  # C3
            norm2d(batch_norm, 16),
            act(),
            lrn_or_identity(lrn),
            pool(2),  # S4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 16, h, w) -> (B, 16*h*w)
            nn.Linear(16 * h * w, 120),  # C5
            act(),
            nn.Dropout(dropout),
            nn.Linear(120, 84),  # F6
            act(),
            nn.Dropout(dropout),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


@ARCHITECTURES.register("lenet5")
def lenet5(
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    style: str = "modern",
    dropout: float = 0.0,
    batch_norm: bool = False,
    lrn: bool = False,
    first_padding: int | None = None,
) -> LeNet5:
    """LeNet-5; ``style`` is ``modern`` (ReLU, max pooling) or ``classic`` (tanh, average)."""
    return LeNet5(
        in_channels, num_classes, image_size, style, dropout, batch_norm, lrn, first_padding
    )

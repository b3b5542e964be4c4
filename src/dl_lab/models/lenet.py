"""LeNet-5 (LeCun et al., 1998, "Gradient-based learning applied to document recognition").

C1 conv 5x5 -> S2 pool -> C3 conv 5x5 -> S4 pool -> C5 (16*5*5 -> 120) -> F6 84 -> 10.
``classic`` keeps the paper's tanh and average pooling (without its RBF output layer);
``modern`` uses ReLU and max pooling. On a 32x32 input (or 28x28 with padding 2 in C1)
it has 61,706 parameters for 10 classes.
"""

from __future__ import annotations

from torch import nn

from dl_lab.models.registry import ARCHITECTURES

STYLES = {"classic": (nn.Tanh, nn.AvgPool2d), "modern": (nn.ReLU, nn.MaxPool2d)}


def _conv_out(size: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    return (size + 2 * padding - kernel) // stride + 1


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
    ) -> None:
        super().__init__()
        if style not in STYLES:
            raise ValueError(f"unknown LeNet-5 style {style!r}; available: {', '.join(STYLES)}")
        act, pool = STYLES[style]
        height, width = image_size
        pad = 2 if min(height, width) < 32 else 0  # 28x28 digits get the paper's 32x32 field
        h = _conv_out(_conv_out(height, 5, pad) // 2, 5) // 2
        w = _conv_out(_conv_out(width, 5, pad) // 2, 5) // 2
        norm = (lambda c: nn.BatchNorm2d(c)) if batch_norm else (lambda c: nn.Identity())
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad),
            norm(6),
            act(),
            pool(2),  # C1, S2
            nn.Conv2d(6, 16, 5),
            norm(16),
            act(),
            pool(2),  # C3, S4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 16, h, w) -> (B, 16*h*w)
            nn.Linear(16 * h * w, 120),
            act(),
            nn.Dropout(dropout),  # C5
            nn.Linear(120, 84),
            act(),
            nn.Dropout(dropout),  # F6
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


@ARCHITECTURES.register("lenet5")
def lenet5(**kwargs) -> LeNet5:
    """LeNet-5; ``style`` is ``modern`` (ReLU, max pooling) or ``classic`` (tanh, average)."""
    return LeNet5(**kwargs)

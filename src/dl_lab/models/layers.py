"""Small layers and helpers shared by the architectures: LRN, norm switches, size arithmetic."""

from __future__ import annotations

import torch
from torch import nn

# Krizhevsky, Sutskever & Hinton (2012), section 3.3: n = 5, k = 2, alpha = 1e-4, beta = 0.75.
LRN_SIZE, LRN_K, LRN_ALPHA, LRN_BETA = 5, 2.0, 1e-4, 0.75


class LRN(nn.LocalResponseNorm):
    """Local response normalization across channels with AlexNet's constants.

    The paper divides by (k + alpha * sum a^2)^beta; torch divides by (k + alpha/n * sum a^2)^beta,
    so torch gets ``alpha * n`` to reproduce the paper. A (B, C) input (an MLP's hidden
    units) is normalized across neighbouring units as if they were channels.
    """

    def __init__(
        self,
        size: int = LRN_SIZE,
        alpha: float = LRN_ALPHA,
        beta: float = LRN_BETA,
        k: float = LRN_K,
    ) -> None:
        super().__init__(size=size, alpha=alpha * size, beta=beta, k=k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2:  # (B, units) -> (B, units, 1): torch needs a spatial dimension
            return super().forward(x.unsqueeze(-1)).squeeze(-1)
        return super().forward(x)


def norm2d(batch_norm: bool, channels: int) -> nn.Module:
    """``BatchNorm2d(channels)`` or identity."""
    return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()


def lrn_or_identity(lrn: bool) -> nn.Module:
    """AlexNet's LRN or identity."""
    return LRN() if lrn else nn.Identity()


def conv_out(size: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """Output length of a convolution or pooling along one axis (floor mode)."""
    return (size + 2 * padding - kernel) // stride + 1


def scaled(channels: int, width: float) -> int:
    """A channel count times a width multiplier, at least 1."""
    return max(1, round(channels * width))


def check_dropout(p: float) -> float:
    """``p`` if it is a valid dropout probability, else a ValueError naming the range."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {p}")
    return p


def classifier_head(
    in_features: int, hidden: list[int], num_classes: int, dropout: float = 0.0
) -> nn.Sequential:
    """Flatten -> (Linear -> ReLU -> Dropout) per hidden width -> Linear to the classes."""
    check_dropout(dropout)
    layers: list[nn.Module] = [nn.Flatten()]  # (B, C, H, W) -> (B, C*H*W)
    for units in hidden:
        layers += [nn.Linear(in_features, units), nn.ReLU(inplace=True), nn.Dropout(dropout)]
        in_features = units
    layers.append(nn.Linear(in_features, num_classes))
    return nn.Sequential(*layers)

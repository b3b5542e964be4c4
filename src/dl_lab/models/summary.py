"""Size and cost of a model: parameter count and FLOPs per sample."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (optionally only those with ``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def flops_per_sample(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Forward FLOPs for one sample of shape (C, H, W), counted by torch's FlopCounterMode."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *input_shape, device=device))
    model.train(was_training)
    return int(counter.get_total_flops())

"""Weight penalties added to the loss, and the max-norm constraint.

L1: lambda * sum|w|; L2: lambda * sum w^2 (an explicit penalty; with plain SGD it equals
``weight_decay = 2 * lambda``, with Adam it is not the same as AdamW's decoupled decay);
elastic net: both. Penalties apply to weights (tensors with ndim > 1), not biases or
normalization parameters. Max-norm (Srebro et al. 2005; Hinton et al. 2012) rescales each
unit's incoming weight vector to norm <= c after every optimizer step.
"""

from __future__ import annotations

import torch
from torch import nn

from dl_lab.registry import Registry

PENALTIES: Registry[torch.Tensor] = Registry("penalty")


def penalized_weights(model: nn.Module) -> list[torch.Tensor]:
    """Weight matrices and kernels (ndim > 1): what L1/L2 act on."""
    return [p for p in model.parameters() if p.requires_grad and p.ndim > 1]


@PENALTIES.register("l1")
def l1_penalty(weights: list[torch.Tensor], strength: float) -> torch.Tensor:
    return strength * sum(w.abs().sum() for w in weights)


@PENALTIES.register("l2")
def l2_penalty(weights: list[torch.Tensor], strength: float) -> torch.Tensor:
    return strength * sum(w.pow(2).sum() for w in weights)


@PENALTIES.register("elastic_net")
def elastic_net_penalty(
    weights: list[torch.Tensor], strength: float, l1_ratio: float = 0.5
) -> torch.Tensor:
    return l1_ratio * l1_penalty(weights, strength) + (1 - l1_ratio) * l2_penalty(weights, strength)


class WeightPenalty(nn.Module):
    """A named penalty bound to a strength: ``penalty(model) -> scalar``."""

    def __init__(self, name: str, strength: float, **options: float) -> None:
        super().__init__()
        if strength < 0:
            raise ValueError(f"penalty strength must be >= 0, got {strength} for {name!r}")
        self.name, self.strength, self.options = name, strength, options
        self.fn = PENALTIES.get(name)

    def forward(self, model: nn.Module) -> torch.Tensor:
        return self.fn(penalized_weights(model), self.strength, **self.options)


@torch.no_grad()
def apply_max_norm(model: nn.Module, max_norm: float) -> None:
    """Clamp the L2 norm of each output unit's incoming weights to ``max_norm``."""
    for w in penalized_weights(model):
        rows = w.view(w.shape[0], -1)  # (out, in*kh*kw)
        norms = rows.norm(dim=1, keepdim=True).clamp(min=1e-12)
        rows.mul_(norms.clamp(max=max_norm) / norms)

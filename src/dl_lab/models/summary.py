"""Size and cost of a model: parameter count and FLOPs per sample; the shapes its layers
give and the parameters of torchvision's networks."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models import get_model


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


def activation_memory_bytes(model: nn.Module, input_shape: tuple[int, ...], batch_size: int) -> int:
    """Bytes of the tensors one training forward pass saves for backward, at ``batch_size``.

    With parameters and gradients this is what training memory scales with; measured with
    autograd's saved-tensor hooks, so it is the same on any device and in any process
    (a CPU process's peak RSS is not: it only ever grows).
    """
    seen: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()  # a tensor saved twice counts once
        return tensor

    was_training = model.training
    model.train()
    device = next(model.parameters()).device
    state = {k: v.clone() for k, v in model.state_dict().items()}  # BN running stats move
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(torch.zeros(batch_size, *input_shape, device=device)).sum()
    model.load_state_dict(state)
    model.train(was_training)
    parameter_storages = {p.untyped_storage().data_ptr() for p in model.parameters()}
    return sum(n for ptr, n in seen.items() if ptr not in parameter_storages)


def torchvision_parameters(name: str, **options: Any) -> int:
    """Parameters of torchvision's network ``name`` (``weights=None``), built on the meta
    device: shapes without memory, so even ResNet-152 counts in well under a second."""
    with torch.device("meta"):
        return count_parameters(get_model(name, weights=None, **options))


def feature_shapes(
    features: nn.Sequential, input_shape: tuple[int, ...], kinds: tuple[type[nn.Module], ...]
) -> list[list[int]]:
    """(H, W, C) after each layer of ``kinds`` in ``features``, on one zero image (C, H, W)."""
    x, shapes = torch.zeros(1, *input_shape), []
    with torch.no_grad():
        for layer in features:
            x = layer(x)
            if isinstance(layer, kinds):
                shapes.append([x.shape[2], x.shape[3], x.shape[1]])  # (B, C, H, W) -> H, W, C
    return shapes


def dense_sizes(classifier: nn.Sequential) -> list[int]:
    """The widths of a dense head: its first ``nn.Linear``'s input, then every output."""
    linear = [layer for layer in classifier if isinstance(layer, nn.Linear)]
    return [linear[0].in_features, *(layer.out_features for layer in linear)]

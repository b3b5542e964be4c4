"""Activation functions by name: the one registry every network builds its activations from.

Each entry builds a fresh module (PReLU has a learnable slope). Slopes follow their
papers: leaky ReLU 0.01 (Maas et al., 2013), PReLU starting at 0.25 (He et al., 2015).
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from dl_lab.registry import Registry

ACTIVATIONS: Registry[nn.Module] = Registry("activation")

_FACTORIES: dict[str, Callable[[], nn.Module]] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "prelu": lambda: nn.PReLU(init=0.25),
    "elu": nn.ELU,  # Clevert et al., 2016
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}
for _name, _factory in _FACTORIES.items():
    ACTIVATIONS.register(_name)(_factory)


def build_activation(name: str) -> nn.Module:
    """A fresh module for the activation ``name``."""
    return ACTIVATIONS.build(name)

"""The architecture registry, and what options each architecture accepts."""

from __future__ import annotations

import inspect
from typing import Any

from torch import nn

from dl_lab.registry import Registry

ARCHITECTURES: Registry[nn.Module] = Registry("architecture")
# Networks that are not image classifiers (the diagnostics' probes, RL agents' networks):
# each builder takes its own arguments.
NETWORKS: Registry[nn.Module] = Registry("network")

INPUT_ARGUMENTS = ("in_channels", "num_classes", "image_size")


def model_options(name: str) -> list[str]:
    """The options (besides input shape and classes) that architecture ``name`` accepts."""
    signature = inspect.signature(ARCHITECTURES.get(name))
    return [p for p in signature.parameters if p not in INPUT_ARGUMENTS]


def model_defaults(name: str) -> dict[str, Any]:
    """The default value of each option of architecture ``name`` (e.g. its dropout)."""
    signature = inspect.signature(ARCHITECTURES.get(name))
    return {
        p.name: p.default
        for p in signature.parameters.values()
        if p.name not in INPUT_ARGUMENTS and p.default is not inspect.Parameter.empty
    }


def check_model_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` if architecture ``name`` accepts every key, else a ValueError listing them.

    A builder that takes ``**kwargs`` is not checked here (its class checks its arguments).
    """
    parameters = inspect.signature(ARCHITECTURES.get(name)).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return options
    allowed = model_options(name)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(
            f"architecture {name!r} has no option {', '.join(map(repr, unknown))}; "
            f"its options: {', '.join(allowed)}"
        )
    return options


def build_model(
    name: str,
    *,
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    **options: Any,
) -> nn.Module:
    """Build the architecture registered as ``name`` for the given input and classes."""
    builder = ARCHITECTURES.get(name)
    return builder(
        in_channels=in_channels, num_classes=num_classes, image_size=tuple(image_size), **options
    )

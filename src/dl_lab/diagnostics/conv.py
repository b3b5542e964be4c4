"""Convolution and pooling arithmetic (course 3.2, 3.4, 3.11, 3.19, 3.26).

Output size along one axis: ``O = (W - K_eff + 2P) / S + 1`` with the effective kernel
``K_eff = D (K - 1) + 1`` for dilation ``D`` (Dumoulin & Visin, 2016, "A guide to
convolution arithmetic for deep learning"). Frameworks floor the division; ``strict=True``
refuses geometries where the last rows or columns would be silently dropped.

Receptive field of layer ``l`` (Araujo et al., 2019, "Computing receptive fields of
convolutional neural networks"): ``r_l = r_{l-1} + (K_eff,l - 1) * j_{l-1}``,
``j_l = j_{l-1} * S_l`` with ``r_0 = j_0 = 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd


class ImpossibleGeometryError(ValueError):
    """A kernel/padding/stride combination that no layer can realize."""


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or value < 1:
            raise ImpossibleGeometryError(f"{name} must be a positive integer, got {value!r}")


def conv_output_size(
    size: int,
    kernel: int,
    padding: int = 0,
    stride: int = 1,
    dilation: int = 1,
    strict: bool = False,
) -> int:
    """Output length of a convolution along one axis: ``floor((W - K_eff + 2P) / S) + 1``."""
    _check_positive(size=size, kernel=kernel, stride=stride, dilation=dilation)
    if not isinstance(padding, int) or padding < 0:
        raise ImpossibleGeometryError(f"padding must be an integer >= 0, got {padding!r}")
    effective = dilation * (kernel - 1) + 1
    padded = size + 2 * padding
    if effective > padded:
        raise ImpossibleGeometryError(
            f"kernel {kernel} (effective {effective} with dilation {dilation}) is larger than "
            f"the padded input {size} + 2*{padding} = {padded}"
        )
    span = padded - effective
    if strict and span % stride:
        raise ImpossibleGeometryError(
            f"(W - K + 2P)/S + 1 = ({size} - {effective} + 2*{padding})/{stride} + 1 = "
            f"{span / stride + 1:.2f} is not an integer: the last {span % stride} row(s) of the "
            "padded input would never be covered (strict=True)"
        )
    return span // stride + 1


def pool_output_size(
    size: int,
    kernel: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    strict: bool = False,
) -> int:
    """Output length of max/avg pooling (stride defaults to the kernel, as in torch)."""
    stride = kernel if stride is None else stride
    _check_positive(kernel=kernel, stride=stride)
    if padding > kernel // 2:
        raise ImpossibleGeometryError(
            f"pooling padding {padding} must be at most half the kernel ({kernel // 2})"
        )
    if not ceil_mode:
        return conv_output_size(size, kernel, padding, stride, strict=strict)
    conv_output_size(size, kernel, padding, stride)  # same validity checks
    out = math.ceil((size + 2 * padding - kernel) / stride) + 1
    if (out - 1) * stride >= size + padding:  # torch drops a window that starts in the padding
        out -= 1
    return out


def same_padding(kernel: int, dilation: int = 1) -> int:
    """Padding that keeps the size at stride 1 (odd effective kernels only)."""
    effective = dilation * (kernel - 1) + 1
    if effective % 2 == 0:
        raise ImpossibleGeometryError(
            f"'same' padding needs an odd effective kernel, got {effective}"
        )
    return (effective - 1) // 2


@dataclass(frozen=True)
class LayerGeometry:
    """One spatial layer: a convolution or a pooling window."""

    name: str
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    kind: str = "conv"  # conv | pool


def receptive_fields(layers: list[LayerGeometry], input_size: int) -> pd.DataFrame:
    """Per layer: output size, cumulative stride (jump) and receptive field in input pixels."""
    rows, size, jump, field = [], input_size, 1, 1
    for layer in layers:
        if layer.kind == "pool":
            size = pool_output_size(size, layer.kernel, layer.stride, layer.padding)
        else:
            size = conv_output_size(size, layer.kernel, layer.padding, layer.stride, layer.dilation)
        field += (layer.dilation * (layer.kernel - 1)) * jump
        jump *= layer.stride
        rows.append(
            {
                "layer": layer.name,
                "kind": layer.kind,
                "kernel": layer.kernel,
                "stride": layer.stride,
                "output_size": size,
                "jump": jump,
                "receptive_field": field,
            }
        )
    return pd.DataFrame(rows)

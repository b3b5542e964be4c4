"""Conv arithmetic checked against torch: output sizes, receptive fields, and cost.

* ``check_output_sizes``: our formula vs the shape torch produces, over a grid of cases;
  an impossible geometry must fail in both.
* ``measured_receptive_field``: the input pixels that reach one output unit, found by
  back-propagating from the centre unit through the same geometry (all-ones kernels,
  average pooling so every window position gets gradient).
* ``stride_padding_costs``: output resolution, FLOPs and time of one convolution per
  padding x stride.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from dl_lab.diagnostics.conv import (
    ImpossibleGeometryError,
    LayerGeometry,
    conv_output_size,
    pool_output_size,
    same_padding,
)


@dataclass(frozen=True)
class SizeGrid:
    """The cases to check: every combination of the listed values."""

    sizes: tuple[int, ...] = (5, 7, 28, 32)
    kernels: tuple[int, ...] = (1, 2, 3, 5, 7)
    paddings: tuple[int, ...] = (0, 1, 2, 3)
    strides: tuple[int, ...] = (1, 2, 3)
    dilations: tuple[int, ...] = (1, 2)


def _torch_size(op: str, size: int, k: int, p: int, s: int, d: int, ceil: bool) -> int | None:
    """The output width torch gives for a 1 x 1 x size x size input, or None if it refuses."""
    x = torch.zeros(1, 1, size, size)
    try:
        if op == "conv":
            out = F.conv2d(x, torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d)
        elif op == "maxpool":
            out = F.max_pool2d(x, k, stride=s, padding=p, ceil_mode=ceil)
        else:
            out = F.avg_pool2d(x, k, stride=s, padding=p, ceil_mode=ceil)
    except RuntimeError:
        return None
    return int(out.shape[-1])


def _formula_size(op: str, size: int, k: int, p: int, s: int, d: int, ceil: bool) -> int | None:
    try:
        if op == "conv":
            return conv_output_size(size, k, p, s, d)
        return pool_output_size(size, k, s, p, ceil_mode=ceil)
    except ImpossibleGeometryError:
        return None


def _strict_ok(size: int, k: int, p: int, s: int, d: int) -> bool:
    try:
        conv_output_size(size, k, p, s, d, strict=True)
    except ImpossibleGeometryError:
        return False
    return True


def _outcome(ours: int | None, theirs: int | None) -> str:
    if ours is None:
        return "both_refuse" if theirs is None else "formula_refuses"
    if theirs is None:
        return "torch_refuses"
    return "equal" if ours == theirs else "differ"


def check_output_sizes(grid: SizeGrid = SizeGrid()) -> pd.DataFrame:
    """One row per (op, W, K, P, S, D, ceil_mode): formula, torch, and how they compare.

    ``outcome`` is ``equal``, ``both_refuse``, ``differ``, ``torch_refuses`` or
    ``formula_refuses``; the last happens only where torch's ``ceil_mode`` accepts a
    window larger than the padded input, which we call impossible geometry.
    """
    rows = []
    product = itertools.product(
        ("conv", "maxpool", "avgpool"), grid.sizes, grid.kernels, grid.paddings, grid.strides
    )
    for op, size, k, p, s in product:
        for d in grid.dilations if op == "conv" else (1,):
            for ceil in (False, True) if op != "conv" else (False,):
                ours = _formula_size(op, size, k, p, s, d, ceil)
                theirs = _torch_size(op, size, k, p, s, d, ceil)
                rows.append(
                    {
                        "op": op, "size": size, "kernel": k, "padding": p, "stride": s,
                        "dilation": d, "ceil_mode": ceil, "formula": ours, "torch": theirs,
                        "outcome": _outcome(ours, theirs),
                        "exact_division": ours is not None and _strict_ok(size, k, p, s, d),
                    }
                )  # fmt: skip
    return pd.DataFrame(rows)


def _geometry_stack(layers: list[LayerGeometry]) -> nn.Sequential:
    """Linear layers with the given geometry: ones-kernels and average pools."""
    modules: list[nn.Module] = []
    for layer in layers:
        if layer.kind == "pool":
            modules.append(nn.AvgPool2d(layer.kernel, layer.stride, layer.padding))
        else:
            conv = nn.Conv2d(
                1, 1, layer.kernel, layer.stride, layer.padding, layer.dilation, bias=False
            )
            nn.init.ones_(conv.weight)
            modules.append(conv)
    return nn.Sequential(*modules)


def measured_receptive_field(layers: list[LayerGeometry], input_size: int) -> int:
    """Width of the input region whose pixels change the centre output unit (via autograd)."""
    x = torch.ones(1, 1, input_size, input_size, dtype=torch.float64, requires_grad=True)
    out = _geometry_stack(layers).double()(x)
    centre = out.shape[-1] // 2
    out[0, 0, centre, centre].backward()
    columns = (x.grad[0, 0].abs().sum(dim=0) > 0).nonzero().flatten()
    return int(columns.max() - columns.min() + 1)


def stride_padding_costs(
    input_size: int = 28,
    kernel: int = 5,
    channels: tuple[int, int] = (1, 16),
    strides: tuple[int, ...] = (1, 2, 3),
    batch: int = 256,
    repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Output size, multiply-accumulates (formula), FLOPs (torch counter) and forward time
    of one convolution per padding ('valid', 'same') x stride."""
    torch.manual_seed(seed)
    x = torch.randn(batch, channels[0], input_size, input_size)
    rows = []
    for pad_name, pad in (("valid", 0), ("same", same_padding(kernel))):
        for stride in strides:
            conv = nn.Conv2d(channels[0], channels[1], kernel, stride, pad, bias=False)
            out = conv_output_size(input_size, kernel, pad, stride)
            with torch.no_grad(), FlopCounterMode(display=False) as counter:
                conv(x[:1])
            timings = []
            with torch.no_grad():
                conv(x)  # warm-up: the first call picks and caches the algorithm
                for _ in range(repeats):
                    start = time.perf_counter()
                    conv(x)
                    timings.append(time.perf_counter() - start)
            rows.append(
                {
                    "padding": pad_name, "stride": stride, "output_size": out,
                    "output_area_fraction": out**2 / input_size**2,
                    "macs_formula": out * out * channels[1] * channels[0] * kernel**2,
                    "flops_torch": int(counter.get_total_flops()),
                    "forward_ms_per_batch": 1000 * sorted(timings)[len(timings) // 2],
                }
            )  # fmt: skip
    return pd.DataFrame(rows)

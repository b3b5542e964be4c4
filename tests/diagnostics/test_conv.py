"""Conv/pool output sizes and receptive fields, checked against torch."""

from __future__ import annotations

import pytest

from dl_lab.diagnostics.conv import (
    ImpossibleGeometryError,
    LayerGeometry,
    conv_output_size,
    pool_output_size,
    receptive_fields,
    same_padding,
)
from dl_lab.diagnostics.conv_check import (
    SizeGrid,
    check_output_sizes,
    measured_receptive_field,
    stride_padding_costs,
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [((32, 3, 1, 1), 32), ((28, 5, 0, 1), 24), ((64, 3, 1, 2), 32), ((28, 5, 0, 2), 12)],
)
def test_course_3_4_and_3_19_examples(args, expected):
    assert conv_output_size(*args) == expected


def test_formula_agrees_with_torch_over_the_grid():
    table = check_output_sizes(SizeGrid(sizes=(5, 28), kernels=(1, 3, 7), paddings=(0, 1, 3)))
    assert set(table["outcome"]) <= {"equal", "both_refuse", "formula_refuses"}
    assert (table["outcome"] == "equal").sum() > 100
    assert (table["outcome"] == "both_refuse").any()  # impossible cases are refused by both
    lenient = table[table["outcome"] == "formula_refuses"]
    assert lenient["ceil_mode"].all()  # only torch's ceil_mode accepts an oversized window
    assert (lenient["kernel"] > lenient["size"] + 2 * lenient["padding"]).all()


def test_impossible_geometry_raises_clearly():
    with pytest.raises(
        ImpossibleGeometryError, match=r"larger than the padded input 5 \+ 2\*1 = 7"
    ):
        conv_output_size(5, 9, padding=1)
    with pytest.raises(ImpossibleGeometryError, match="not an integer"):
        conv_output_size(28, 5, padding=0, stride=3, strict=True)  # (28-5)/3 + 1 = 8.67
    assert conv_output_size(28, 5, padding=0, stride=3) == 8  # floored without strict
    assert conv_output_size(29, 5, padding=0, stride=3, strict=True) == 9
    with pytest.raises(ImpossibleGeometryError, match="stride"):
        conv_output_size(28, 3, stride=0)
    with pytest.raises(ImpossibleGeometryError, match="padding"):
        conv_output_size(28, 3, padding=-1)
    with pytest.raises(ImpossibleGeometryError, match="half the kernel"):
        pool_output_size(28, 2, padding=2)
    with pytest.raises(ImpossibleGeometryError, match="odd"):
        same_padding(4)


def test_same_padding_keeps_size():
    for kernel in (1, 3, 5, 7):
        assert conv_output_size(28, kernel, same_padding(kernel)) == 28


def test_pooling_halves_and_ceil_mode():
    assert pool_output_size(28, 2) == 14
    assert pool_output_size(7, 2) == 3
    assert pool_output_size(7, 2, ceil_mode=True) == 4


STACKS = {
    "conv_only": [LayerGeometry(f"c{i}", 3, padding=1) for i in range(4)],
    "interleaved": [
        LayerGeometry("c1", 3, padding=1), LayerGeometry("p1", 2, 2, kind="pool"),
        LayerGeometry("c2", 3, padding=1), LayerGeometry("p2", 2, 2, kind="pool"),
        LayerGeometry("c3", 3, padding=1, dilation=2),
    ],
    "strided": [LayerGeometry("c1", 5, 2, 2), LayerGeometry("c2", 3, 2, 1)],
}  # fmt: skip


@pytest.mark.parametrize("name", STACKS)
def test_receptive_field_formula_matches_autograd(name):
    layers = STACKS[name]
    table = receptive_fields(layers, input_size=64)
    for depth in range(1, len(layers) + 1):
        measured = measured_receptive_field(layers[:depth], input_size=64)
        assert measured == table["receptive_field"].iloc[depth - 1]


def test_receptive_field_grows_faster_with_pooling():
    conv = receptive_fields(STACKS["conv_only"], 28)["receptive_field"].tolist()
    pooled = receptive_fields(STACKS["interleaved"], 28)
    assert conv == [3, 5, 7, 9]  # +2 per 3x3 layer at stride 1
    assert pooled["receptive_field"].tolist() == [3, 4, 8, 10, 26]
    assert pooled["output_size"].tolist() == [28, 14, 14, 7, 5]


def test_stride_padding_costs_follow_the_formula():
    table = stride_padding_costs(input_size=28, kernel=5, strides=(1, 2), batch=4, repeats=1)
    same = table[table["padding"] == "same"].set_index("stride")
    assert same.loc[1, "output_size"] == 28 and same.loc[2, "output_size"] == 14
    assert (table["flops_torch"] == 2 * table["macs_formula"]).all()
    assert same.loc[2, "macs_formula"] == same.loc[1, "macs_formula"] / 4  # factor S^2

"""The wiring kit: bound constants leave the signature, type hints survive, nodes by keyword."""

from __future__ import annotations

import inspect
import typing

import pytest

from dl_lab.config import StrictModel
from dl_lab.pipelines._kit import VariantRun, bound, node, param, variant_runs


class Block(StrictModel):
    size: int = 1


def train(data: list[int], params: Block, *, study: str, seed: int) -> int:
    """A node function with run constants."""
    return sum(data) * params.size + seed


def test_bound_removes_the_constants_and_keeps_the_hints():
    fn = bound(train, study="baseline", seed=3)
    assert list(inspect.signature(fn).parameters) == ["data", "params"]
    assert typing.get_type_hints(fn)["params"] is Block  # Kedro validates typed params this way
    assert fn.__name__ == "train" and fn.__doc__ == train.__doc__
    assert fn([1, 2], Block(size=2)) == 9


def test_node_binds_keyword_inputs_and_constants():
    made = node(train, {"data": "numbers", "params": param("block")}, "total", study="s", seed=1)
    assert made.name == "train"
    assert made.inputs == ["numbers", "params:block"]
    assert made.run({"numbers": [1], "params:block": Block()}) == {"total": 2}
    with pytest.raises(Exception, match="seed|argument"):
        node(train, {"data": "numbers", "params": "params:block"}, "total", study="s").run(
            {"numbers": [1], "params:block": Block()}
        )


def test_variant_runs_expand_seeds_and_default_one():
    studies = {"base": {"a": {"seeds": [1, 2]}, "b": {}}}
    assert variant_runs(studies, default_seed=42) == [
        VariantRun("base", "a", 1),
        VariantRun("base", "a", 2),
        VariantRun("base", "b", 42),
    ]
    assert VariantRun("base", "a", 1).namespace == "base.a.seed1"
    assert VariantRun("base", "a", 1).parameter("vision") == "params:vision.studies.base.a"

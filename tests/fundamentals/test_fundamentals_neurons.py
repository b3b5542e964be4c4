"""McCulloch-Pitts gates, the 2.1 neuron, and the XOR impossibility search (2.1, 2.4)."""

import numpy as np
import pytest

from dl_lab.fundamentals.neurons import (
    GATE_TARGETS,
    GATES,
    Neuron,
    ThresholdUnit,
    binary_inputs,
    count_threshold_functions,
)
from dl_lab.registry import UnknownNameError


def test_course_neuron_2_1():
    neuron = Neuron((0.4, 0.6), bias=0.1, activation="sigmoid")
    x = np.array([0.5, 0.8])
    assert neuron.pre_activation(x) == pytest.approx(0.78, abs=1e-12)
    assert neuron(x) == pytest.approx(0.6857, abs=5e-5)


@pytest.mark.parametrize("gate", ["AND", "OR", "NOT", "NAND", "NOR"])
def test_gate_truth_tables_are_exact(gate):
    inputs, outputs = GATES.build(gate).truth_table()
    assert outputs.tolist() == list(GATE_TARGETS[gate])
    assert inputs.shape == (len(GATE_TARGETS[gate]), 1 if gate == "NOT" else 2)


def test_course_gate_weights_2_4():
    assert GATES.build("AND") == ThresholdUnit((1, 1), 2)
    assert GATES.build("OR") == ThresholdUnit((1, 1), 1)
    assert GATES.build("NOT") == ThresholdUnit((-1,), 0)


def test_binary_inputs_in_counting_order():
    assert binary_inputs(2).tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]


def test_no_threshold_unit_computes_xor_but_every_separable_function_is_found():
    grid = np.linspace(-3, 3, 25)
    counts = count_threshold_functions(grid, grid)
    assert sum(counts.values()) == 25**3
    assert counts["XOR"] == 0 and counts["XNOR"] == 0
    found = {name for name, count in counts.items() if count > 0}
    assert len(found) == 14  # the 14 linearly separable functions of two inputs
    assert {"AND", "OR", "NAND", "NOR", "x1", "NOT x2"} <= found


def test_threshold_unit_rejects_bad_inputs():
    unit = GATES.build("AND")
    with pytest.raises(ValueError, match=r"2 inputs, got input shape \(4, 3\)"):
        unit(np.zeros((4, 3), dtype=int))
    with pytest.raises(ValueError, match="binary"):
        unit(np.array([[0, 2]]))
    with pytest.raises(ValueError, match="2 weights"):
        Neuron((0.4, 0.6))(np.ones(3))


def test_unknown_gate_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="available: AND, NAND, NOR, NOT, OR"):
        GATES.build("XOR")

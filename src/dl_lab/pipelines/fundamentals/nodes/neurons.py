"""Nodes for the worked examples, McCulloch-Pitts gates and the perceptron (2.1, 2.4, 2.10)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.config import PerceptronParams, ThresholdSearchParams
from dl_lab.fundamentals.neurons import GATE_TARGETS, GATES, count_threshold_functions
from dl_lab.fundamentals.perceptron import novikoff_bound, separable_data, train_perceptron
from dl_lab.fundamentals.seeds import experiment_rng
from dl_lab.fundamentals.worked_examples import all_rows
from dl_lab.fundamentals.xor import XOR_X, XOR_Y
from dl_lab.reporting.fundamentals.neurons import plot_perceptron
from dl_lab.tracking import metric_values


def check_worked_examples() -> tuple[pd.DataFrame, dict]:
    """The course's worked numbers beside the recomputed ones."""
    table = pd.DataFrame(all_rows())
    table["course"] = table["course"].astype(str)
    table["measured"] = table["measured"].astype(str)
    return table, metric_values(
        {"worked_examples_agreeing": table["agrees"].sum(), "worked_examples_total": len(table)}
    )


def build_truth_tables() -> pd.DataFrame:
    """Truth table of every registered McCulloch-Pitts gate, with the intended output."""
    rows = []
    for name in GATES.available():
        unit = GATES.build(name)
        inputs, outputs = unit.truth_table()
        for x, out, want in zip(inputs, outputs, GATE_TARGETS[name], strict=True):
            rows.append(
                {
                    "gate": name,
                    "inputs": "".join(map(str, x)),
                    "weights": str(unit.weights),
                    "theta": unit.theta,
                    "output": int(out),
                    "expected": want,
                }
            )
    return pd.DataFrame(rows)


def search_threshold_units(params: ThresholdSearchParams) -> tuple[pd.DataFrame, dict]:
    """How many grid units compute each 2-input Boolean function (XOR and XNOR: none)."""
    counts = count_threshold_functions(params.weights.values(), params.thresholds.values())
    table = pd.DataFrame({"function": list(counts), "units_found": list(counts.values())})
    table["units_searched"] = params.weights.num**2 * params.thresholds.num
    realizable = int((table["units_found"] > 0).sum())
    return table, metric_values(
        {"xor_units_found": counts["XOR"], "realizable_boolean_functions": realizable}
    )


def run_perceptron(params: PerceptronParams, seed: int) -> tuple[pd.DataFrame, Figure, dict]:
    """Perceptron on AND, OR, NAND, NOR, a random separable set and XOR."""
    rng = experiment_rng(seed, "perceptron")
    x_sep, y_sep, w_true, b_true = separable_data(params.n_samples, params.dim, params.margin, rng)
    sets = {name: (XOR_X, np.array(GATE_TARGETS[name])) for name in ("AND", "OR", "NAND", "NOR")}
    sets |= {"separable": (x_sep, y_sep), "XOR": (XOR_X, XOR_Y.astype(int))}
    results, rows = {}, []
    for name, (x, y) in sets.items():
        result = train_perceptron(x, y, params.lr, params.max_epochs, rng=rng)
        bound = novikoff_bound(x, y, w_true, b_true) if name == "separable" else float("nan")
        results[name] = result
        rows.append(
            {
                "data": name,
                "n": len(x),
                "converged": result.converged,
                "epochs": result.epochs,
                "updates": result.updates,
                "novikoff_bound": bound,
                "accuracy": result.accuracy,
            }
        )
    table = pd.DataFrame(rows)
    xor = results["XOR"]
    metrics = {
        "perceptron_xor_converged": xor.converged,
        "perceptron_xor_accuracy": xor.accuracy,
        "perceptron_separable_updates": results["separable"].updates,
    }
    return table, plot_perceptron(results, x_sep, y_sep, params.max_epochs), metric_values(metrics)

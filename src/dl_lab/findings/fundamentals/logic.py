"""McCulloch-Pitts gates, single threshold units on XOR, and 2-2-1 MLPs on XOR (2.4, 2.10)."""

from __future__ import annotations

import pandas as pd

from dl_lab.course.questions import Course
from dl_lab.course.rules import at_least, holds
from dl_lab.findings.fundamentals.answers import (
    Answer,
    Tables,
    describe_share,
    plot,
    table,
)
from dl_lab.findings.fundamentals.config import FindingsParams

HIDDEN = 2  # 2.10: the course's 2-2-1 net


def logic_answers(tables: Tables, params: FindingsParams, course: Course) -> list[Answer]:
    """The course's gates, what one threshold unit cannot do, and what a 2-2-1 MLP learns."""
    return [
        _gates(tables.truth_tables, course),
        _no_xor(tables),
        _single_layer(tables, course),
        _trained_xor(tables.xor_runs, params.xor_success_rate),
    ]


def _gates(truth: pd.DataFrame, course: Course) -> Answer:
    """2.4: each gate with the course's weights and threshold gives its truth table."""
    cases, parts = [], []
    for gate, unit in course.claim("2.4-gates").value.items():
        rows = truth[truth["gate"] == gate.upper()]
        same_unit = (rows["weights"].astype(str) == str(tuple(unit["w"]))) & (
            rows["theta"].astype(float) == float(unit["theta"])
        )
        right = same_unit & (rows["output"] == rows["expected"])
        cases += list(right) if len(rows) else [False]
        parts.append(
            f"{gate.upper()} w={tuple(unit['w'])} theta={unit['theta']}: {int(right.sum())} of {len(rows)} rows"
        )
    verdict = holds(cases, "truth-table rows with the course's weights and threshold")
    return Answer("2.4-gates", "; ".join(parts), verdict, (table("truth_tables"),))


def _xor_units(search: pd.DataFrame) -> tuple[int, int]:
    """How many grid units compute XOR, out of how many searched."""
    row = search.set_index("function").loc["XOR"]
    return int(row["units_found"]), int(row["units_searched"])


def _no_xor(tables: Tables) -> Answer:
    """2.4: no threshold unit on the grid computes XOR, and the perceptron never converges."""
    found, searched = _xor_units(tables.threshold_search)
    realizable = int((tables.threshold_search["units_found"] > 0).sum())
    xor = tables.perceptron.set_index("data").loc["XOR"]
    verdict = holds(
        [found == 0, not bool(xor["converged"])],
        "no grid unit computes XOR; the perceptron does not converge on it",
    )
    text = (
        f"{found} of {searched} grid units (w1, w2, theta) compute XOR "
        f"({realizable} of 16 Boolean functions found); perceptron on XOR: "
        f"{'converged' if bool(xor['converged']) else 'not converged'} after {int(xor['epochs'])} epochs"
    )
    evidence = (table("threshold_search"), table("perceptron"), plot("perceptron"))
    return Answer("2.4-no-xor", text, verdict, evidence)


def _single_layer(tables: Tables, course: Course) -> Answer:
    """2.10: a single threshold unit gets at most 3 of the 4 XOR points right."""
    bound = float(course.claim("2.10-single-layer").value) / 100
    accuracy = float(tables.perceptron.set_index("data").loc["XOR", "accuracy"])
    found, searched = _xor_units(tables.threshold_search)
    verdict = holds(
        [accuracy <= bound, found == 0],
        f"perceptron accuracy <= {bound:.0%}; every grid unit errs on one XOR point or more",
    )
    text = (
        f"perceptron on XOR: accuracy {accuracy:.0%} after its epoch limit; "
        f"{found} of {searched} grid units compute XOR, so none exceeds 75%"
    )
    evidence = (table("perceptron"), table("threshold_search"), plot("perceptron"))
    return Answer("2.10-single-layer", text, verdict, evidence)


def _trained_xor(runs: pd.DataFrame, success_rate: float) -> Answer | None:
    """2.10: 2-2-1 sigmoid MLPs from random inits, one per seed: do most solve XOR?"""
    solved = runs.loc[runs["hidden"] == HIDDEN, "solved"].astype(bool).astype(float).to_list()
    if not solved:
        return None
    verdict = at_least(solved, success_rate, what="share of seeds solving XOR")
    text = f"2-2-1 nets solving XOR: {describe_share(solved)}"
    evidence = (table("xor_runs"), table("xor_success"), plot("xor_boundaries"), plot("xor_losses"))
    return Answer("2.10-trained", text, verdict, evidence)

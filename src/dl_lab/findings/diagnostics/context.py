"""What every claim check of the diagnostics findings reads: the tables, the rules'
parameters, the course; and how it writes one row (``Context.answer``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dl_lab.course.findings import finding
from dl_lab.course.questions import Course
from dl_lab.course.rules import Verdict
from dl_lab.diagnostics.config import ConvParams
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.findings.diagnostics.config import FindingsParams

PIPELINE = "diagnostics"

Row = dict[str, Any]
Check = Callable[["Context"], Row | None]
"""One claim: its finding row, or None where this configuration does not measure it."""


def table(name: str) -> str:
    """The evidence path of the table ``diag_<name>_table`` (relative to data/08_reporting)."""
    return f"diagnostics/{name}.csv"


def figure(name: str) -> str:
    """The evidence path of the figure ``diag_<name>_plot`` (relative to data/08_reporting)."""
    return f"diagnostics/{name}.png"


@dataclass(frozen=True)
class Context:
    """The measured tables (by ``<name>`` of ``diag_<name>_table``) and what the rules need."""

    tables: Mapping[str, pd.DataFrame]
    params: FindingsParams
    conv: ConvParams
    fit_thresholds: FitThresholds
    course: Course

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def tol(self):
        return self.params.tolerances

    @property
    def limits(self):
        return self.params.thresholds

    @property
    def cases(self):
        return self.params.cases

    def value(self, claim_id: str) -> Any:
        """The claim's value in the course file (the true one where the course is wrong)."""
        return self.course.claim(claim_id).value

    def answer(
        self,
        claim_id: str,
        measured: str,
        verdict: Verdict,
        evidence: Sequence[str],
        run_ids: Sequence[str] = (),
    ) -> Row:
        return finding(PIPELINE, claim_id, measured, verdict, evidence, run_ids, self.course)


def by_number(frame: pd.DataFrame, column: str = "variant") -> pd.DataFrame:
    """Rows ordered by the number in their name (``d8`` after ``d2``; ``w128`` after ``w32``)."""
    order = frame[column].astype(str).str.extract(r"(\d+)", expand=False).astype(int)
    return frame.assign(_order=order).sort_values("_order").drop(columns="_order")


def pct(value: float) -> str:
    """An accuracy or fraction as ``0.931``."""
    return f"{value:.3f}"

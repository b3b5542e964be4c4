"""What every claim check of the diagnostics findings reads: the tables, the rules'
parameters, the course; how it writes one row (``Context.answer``); and how it reads a
seeded table: ``values`` gives one number per seed (in seed order, so two variants of one
experiment pair by seed), ``by_seed`` the table seed by seed, ``ms`` their mean +- std."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from dl_lab.course.findings import finding
from dl_lab.course.questions import Course
from dl_lab.course.rules import Verdict, direction, mean_std, unsettled, within
from dl_lab.diagnostics.config import ConvParams
from dl_lab.diagnostics.jobs import SEED, first_seed
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.evaluation.stats import compare_paired
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

    def printed(self, measured: float, true: float, what: str) -> Verdict:
        """A deterministic number (a fixed grid, autograd at fixed points) against the
        course's printed value, within the relative rounding tolerance ``printed``."""
        return within(measured, true, self.tol.printed * abs(true), what, exact=True)

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
        if "+-" in measured:
            measured += f" (mean +- std over {self.seeds} seeds)"
        return finding(PIPELINE, claim_id, measured, verdict, evidence, run_ids, self.course)

    @property
    def seeds(self) -> int:
        """How many seeds the seeded experiments ran (the most any table has)."""
        counts = [t[SEED].nunique() for t in self.tables.values() if SEED in t]
        return max(counts, default=1)


def by_number(frame: pd.DataFrame, column: str = "variant") -> pd.DataFrame:
    """Rows ordered by the number in their name (``d8`` after ``d2``; ``w128`` after ``w32``)."""
    order = frame[column].astype(str).str.extract(r"(\d+)", expand=False).astype(int)
    return frame.assign(_order=order).sort_values("_order").drop(columns="_order")


def pct(value: float) -> str:
    """An accuracy or fraction as ``0.931``."""
    return f"{value:.3f}"


def by_seed(frame: pd.DataFrame) -> list[tuple[Any, pd.DataFrame]]:
    """``(seed, rows)`` for each seed of ``frame`` in seed order (a table without a ``seed``
    column: one part, seed None)."""
    if SEED not in frame:
        return [(None, frame)]
    return [(seed, part) for seed, part in frame.groupby(SEED, sort=True)]


def compare(
    a: Any, b: Any, expect: Literal["a<b", "a>b"], tolerance: float = 0.0,
    names: tuple[str, str] = ("a", "b"), exact: bool = False,
) -> Verdict:  # fmt: skip
    """``rules.direction`` (the 95% interval of the paired difference decides), with the
    paired t-test's p-value in the reason where both sides have the same seeds."""
    verdict = direction(a, b, expect, tolerance, names, exact)
    va, vb = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    if exact or len(va) != len(vb) or len(va) < 2:
        return verdict
    test = compare_paired(va, vb, bootstrap_resamples=1000)
    p = (
        "n/a (every seed's difference the same)"
        if np.isnan(test.t_pvalue)
        else f"{test.t_pvalue:.2g}"
    )
    return Verdict(verdict.verdict, f"{verdict.reason} (paired t-test p = {p})")


def select(frame: pd.DataFrame, **where: Any) -> pd.DataFrame:
    """The rows whose ``where`` columns equal the given values, in seed order."""
    rows = frame
    for key, value in where.items():
        rows = rows[rows[key] == value]
    return rows.sort_values(SEED, kind="stable") if SEED in rows else rows


def values(frame: pd.DataFrame, column: str, **where: Any) -> np.ndarray:
    """``column`` of the rows whose ``where`` columns equal the given values, in seed order:
    one value per seed of a seeded table."""
    return select(frame, **where)[column].to_numpy(dtype=float)


IMPROVING = "still_improving"
"""The fit diagnosis of a run whose validation loss was still falling at its last epoch."""


def improving(frame: pd.DataFrame, label: str, **where: Any) -> str | None:
    """Where the fit diagnosis read a run among the ``where`` rows as still improving at its
    last epoch: ``label`` and on how many seeds; None where none was (or none is diagnosed)."""
    rows = select(frame, **where)
    if "fit_diagnosis" not in rows or rows.empty:
        return None
    late = int((rows["fit_diagnosis"] == IMPROVING).sum())
    return f"{label} on {late} of {len(rows)} seeds" if late else None


def settled(verdict: Verdict, notes: Sequence[str | None]) -> Verdict:
    """``verdict``, unless a compared run was still improving at its last epoch (``notes``
    from ``improving``): then ``unsettled``, the rule's reason kept before the runs named."""
    late = [note for note in notes if note]
    if not late:
        return verdict
    return unsettled(
        f"{verdict.reason}; not settled: still improving at the last epoch (val loss still "
        f"falling, the fit diagnosis): {'; '.join(late)}"
    )


def ms(measured: Any, digits: int = 3) -> str:
    """A measurement over seeds as ``mean +- std`` (one value: the value; a non-finite one
    among them: each seed's value); the row says over how many seeds (``Context.answer``)."""
    numbers = np.atleast_1d(np.asarray(measured, dtype=float))
    if len(numbers) > 1 and not np.isfinite(numbers).all():
        return ", ".join(f"{v:.{digits}g}" for v in numbers) + " (by seed)"
    if len(numbers) == 1:
        return f"{numbers[0]:.{digits}g}"
    return mean_std(numbers, digits, count=False)


__all__ = ["IMPROVING", "SEED", "Check", "Context", "Row", "by_number", "by_seed", "compare", "figure",
           "first_seed", "improving", "ms", "pct", "select", "settled", "table", "values"]  # fmt: skip

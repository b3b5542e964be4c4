"""The findings contract: how every pipeline answers the course (DESIGN §9).

A pipeline's last node returns ``findings_table(rows)``: one row per claim it tests, made
by ``finding(...)`` from a claim id of the course file, what was measured, and the
``Verdict`` a rule of ``course.rules`` computed. The columns are fixed (``COLUMNS``); the
``reporting`` pipeline reads every such table that exists. Where the course printed
something wrong, ``course_says`` states the corrected claim and ``course_printed`` what the
course printed, and the verdict is about the corrected claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from dl_lab.course.questions import Course, load_course
from dl_lab.course.rules import VERDICTS, Verdict

COLUMNS = (
    "question",
    "claim_id",
    "course_says",
    "course_printed",
    "measured",
    "verdict",
    "reason",
    "evidence",
    "run_ids",
    "pipeline",
)
LIST_SEPARATOR = " | "  # evidence names and run ids, in one CSV cell


def finding(
    pipeline: str,
    claim_id: str,
    measured: str,
    verdict: Verdict,
    evidence: Sequence[str] = (),
    run_ids: Sequence[str] = (),
    course: Course | None = None,
) -> dict[str, Any]:
    """One row: the claim as the course file states it (corrected where the course is
    wrong), the measurement, the rule's verdict and reason, the evidence and the runs."""
    course = course or load_course()
    claim = course.claim(claim_id)
    return {
        "question": course.question_of(claim_id).id,
        "claim_id": claim_id,
        "course_says": claim.corrected or claim.says,
        "course_printed": claim.course_printed or "",
        "measured": measured,
        "verdict": verdict.verdict,
        "reason": verdict.reason,
        "evidence": LIST_SEPARATOR.join(evidence),
        "run_ids": LIST_SEPARATOR.join(run_ids),
        "pipeline": pipeline,
    }


def findings_table(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The tidy findings table; refuses a row with a missing column or an unknown verdict."""
    table = pd.DataFrame(list(rows), columns=list(COLUMNS))
    missing = table[list(COLUMNS)].isna().any()
    if missing.any():
        raise ValueError(f"findings rows lack {', '.join(missing[missing].index)}")
    unknown = sorted(set(table["verdict"]) - set(VERDICTS))
    if unknown:
        raise ValueError(f"unknown verdicts {unknown}; allowed: {', '.join(VERDICTS)}")
    if table["claim_id"].duplicated().any():
        raise ValueError(
            f"a claim is answered twice: {sorted(table['claim_id'][table['claim_id'].duplicated()])}"
        )
    return table.reset_index(drop=True)


def split_list(cell: Any) -> list[str]:
    """The names packed into one cell by ``finding`` (an empty cell: none)."""
    if not isinstance(cell, str) or not cell:
        return []
    return cell.split(LIST_SEPARATOR)

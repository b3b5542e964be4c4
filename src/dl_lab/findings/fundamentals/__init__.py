"""The fundamentals findings: every unit-2 claim the fundamentals tables measure, with its verdict.

Each claim check reads the tables (and, for a few worked numbers the tables lack, one cheap
call into ``dl_lab.fundamentals``), compares with the course file's value through a rule
of ``dl_lab.course.rules`` and a tolerance of ``FindingsParams`` (``fundamentals.findings``),
and returns an ``Answer``; a claim whose experiment is not in the run's configuration
returns nothing and stays "not yet run" in the report.

A rule is told its number is ``exact`` only where no seed changes it (a worked example, a
count, a fixed procedure on fixed data, an identity checked at one fixed-seed point); what
training or random data produce stays random, so one seed of it comes out ``inconclusive``
and several seeds reach the rule as per-seed values, never as a mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

import pandas as pd

from dl_lab.course.findings import finding, findings_table
from dl_lab.course.questions import load_course
from dl_lab.findings.fundamentals.answers import Answer, Tables
from dl_lab.findings.fundamentals.backprop import backprop_answers
from dl_lab.findings.fundamentals.capacity import capacity_answers
from dl_lab.findings.fundamentals.config import FindingsParams
from dl_lab.findings.fundamentals.logic import logic_answers
from dl_lab.findings.fundamentals.optimization import optimization_answers
from dl_lab.findings.fundamentals.worked import worked_answers

PIPELINE = "fundamentals"
CHECKS = (worked_answers, backprop_answers, logic_answers, optimization_answers, capacity_answers)
TABLES = tuple(field.name for field in fields(Tables))
"""The tables the checks read, by ``<name>`` of ``fundamentals_<name>_table``."""

__all__ = ["TABLES", "Answer", "FindingsParams", "Tables", "answer"]


def answer(tables: Mapping[str, pd.DataFrame], config: FindingsParams) -> pd.DataFrame:
    """The findings table: one row per unit-2 claim the fundamentals tables answer."""
    course, measured = load_course(), Tables(**tables)
    answers = [a for check in CHECKS for a in check(measured, config, course) if a is not None]
    order = {claim.id: i for i, claim in enumerate(course.claims())}
    rows = [
        finding(PIPELINE, a.claim_id, a.measured, a.verdict, evidence=a.evidence, course=course)
        for a in sorted(answers, key=lambda a: order[a.claim_id])
    ]
    return findings_table(rows)

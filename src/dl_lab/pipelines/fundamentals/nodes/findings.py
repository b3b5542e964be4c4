"""Node: the course's unit-2 claims answered from the pipeline's tables (DESIGN §9)."""

from __future__ import annotations

import pandas as pd

from dl_lab.findings import fundamentals as findings
from dl_lab.findings.fundamentals.config import FindingsParams


def report_findings(params: FindingsParams, **tables: pd.DataFrame) -> pd.DataFrame:
    """One finding per unit-2 claim the fundamentals tables answer: the verdict, the evidence."""
    return findings.answer(tables, params)

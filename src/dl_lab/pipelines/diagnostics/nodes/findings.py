"""Node: the course's claims answered from the pipeline's tables (DESIGN §9)."""

from __future__ import annotations

import pandas as pd

from dl_lab.diagnostics.config import ConvParams, FitParams
from dl_lab.findings import diagnostics as findings
from dl_lab.findings.diagnostics.config import FindingsParams


def report_findings(
    params: FindingsParams, conv: ConvParams, fit: FitParams, **tables: pd.DataFrame
) -> pd.DataFrame:
    """One finding per claim the experiments measured: what, the verdict, the evidence."""
    return findings.answer(tables, params, conv, fit.thresholds)

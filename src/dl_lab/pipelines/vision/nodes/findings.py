"""The findings node: the course's claims the vision runs answer (``dl_lab.findings.vision``)."""

from __future__ import annotations

import pandas as pd

from dl_lab.findings.vision import FindingsConfig, answer
from dl_lab.pipelines.vision.params import ReportConfig


def report_findings(
    comparison: pd.DataFrame,
    paired_tests: pd.DataFrame,
    histories: pd.DataFrame,
    weight_histograms: pd.DataFrame,
    report: ReportConfig,
    findings: FindingsConfig,
) -> pd.DataFrame:
    """The findings table (DESIGN §9): verdicts from the shared rules, nothing retrained."""
    return answer(
        comparison,
        paired_tests,
        histories,
        weight_histograms,
        findings,
        regularizer_study=report.regularizer_study,
        near_zero_threshold=report.near_zero_threshold,
    )

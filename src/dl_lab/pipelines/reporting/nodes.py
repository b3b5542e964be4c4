"""Nodes of the reporting pipeline: read what the pipelines found, write the report."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from dl_lab import tracking
from dl_lab.course.findings import split_list
from dl_lab.course.questions import load_course
from dl_lab.pipelines.reporting.params import ReportingParams, StudyComparison
from dl_lab.reporting.report import (
    Comparison,
    ReportInputs,
    comparison_table,
    plot_study_curves,
    question_status,
    read_findings,
    render_report,
    unit_summary,
)

Files = dict[str, Callable[[], bytes]]


def collect_findings(findings_files: Files, **upstream: pd.DataFrame) -> pd.DataFrame:
    """Every pipeline's findings in one table (none yet: an empty table).

    ``upstream`` (the tables just written, in ``__default__``) only orders the run: the
    files hold them, and those of earlier runs too.
    """
    return read_findings(findings_files)


def summarize_course(findings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each question's status, and the count of each status per unit."""
    status = question_status(load_course(), findings)
    return status, unit_summary(status)


def _compare(spec: StudyComparison) -> Comparison | None:
    runs = tracking.finished_runs(spec.tags)
    if not runs:
        return None
    curves = None
    if spec.curve:
        history = {run["name"]: tracking.metric_history(run["run_id"], spec.curve) for run in runs}
        curves = plot_study_curves(history, spec.curve, f"{spec.title}: {spec.curve} per epoch")
    return Comparison(spec.title, comparison_table(runs, spec.metrics), curves)


def write_report(findings: pd.DataFrame, evidence_files: Files, params: ReportingParams) -> str:
    """The HTML report: the course question by question, and the studies' runs compared."""
    comparisons = [c for c in map(_compare, params.comparisons) if c is not None]
    run_ids = [run for cell in findings["run_ids"] for run in split_list(cell)]
    experiments = tracking.experiments_of(run_ids)
    for comparison in comparisons:
        experiments.update(
            zip(comparison.table["run_id"], comparison.table["experiment_id"], strict=True)
        )
    inputs = ReportInputs(
        course=load_course(),
        findings=findings,
        comparisons=comparisons,
        evidence=evidence_files,
        run_experiments=experiments,
        mlflow_ui=params.mlflow_ui,
        title=params.title,
    )
    return render_report(inputs)

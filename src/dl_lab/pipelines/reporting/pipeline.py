"""Wiring of the reporting pipeline: findings tables -> course status -> report.html.

It reads what the other pipelines wrote (data/08_reporting/findings/*.csv and the figures
and tables they name) and MLflow; it never runs an experiment, so a pipeline that has not
run shows as "not yet run".
"""

from kedro.pipeline import Pipeline

from dl_lab.pipelines._kit import node, param
from dl_lab.pipelines.reporting import nodes as n


def create_pipeline(after: list[str] | None = None, **kwargs) -> Pipeline:
    """``after``: findings datasets to wait for (the other pipelines' in ``__default__``)."""
    waits = {f"after_{i}": name for i, name in enumerate(after or [])}
    return Pipeline(
        [
            node(
                n.collect_findings,
                {"findings_files": "findings_files", **waits},
                "course_findings",
            ),
            node(
                n.summarize_course,
                {"findings": "course_findings"},
                ["course_status", "course_summary"],
            ),
            node(
                n.write_report,
                {
                    "findings": "course_findings",
                    "evidence_files": "reporting_files",
                    "params": param("reporting"),
                },
                "report",
            ),
        ]
    )

"""Parameter blocks of the reporting pipeline."""

from __future__ import annotations

from pydantic import Field

from dl_lab.config import StrictModel


class StudyComparison(StrictModel):
    """Runs compared side by side: those whose tags match ``tags`` (the newest of each name)."""

    title: str = Field(min_length=1)
    tags: dict[str, str] = Field(
        min_length=1, description="e.g. {pipeline: vision, study: baseline}"
    )
    metrics: list[str] = Field(min_length=1, description="best-epoch and test metrics to show")
    curve: str | None = Field("val_acc", description="per-epoch metric to overlay; null: none")


class ReportingParams(StrictModel):
    """The report's title, the MLflow UI its links point to, and the studies it compares."""

    title: str = "dl-lab: the course, answered by experiment"
    mlflow_ui: str = "http://127.0.0.1:5000"
    comparisons: list[StudyComparison] = []

"""The reporting pipeline on an in-memory catalog: findings in, a self-contained report out."""

from __future__ import annotations

import io
import re

import matplotlib
import mlflow
import pandas as pd
import pytest

from dl_lab import tracking
from dl_lab.course.findings import finding, findings_table
from dl_lab.course.questions import load_course
from dl_lab.course.rules import direction, within
from dl_lab.pipelines.reporting.pipeline import create_pipeline

matplotlib.use("Agg")


def _csv(table: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def _two_claims():
    course = load_course()
    first, second = course.questions[0], course.questions[-1]
    return course, first.claims[0].id, second.claims[0].id


def _study_runs(client, tmp_path):
    """Two finished vision runs of one study, with per-epoch val_acc."""
    # the report searches the project's experiments (dl-lab/...)
    where = client.create_experiment("dl-lab/vision", artifact_location=(tmp_path / "art").as_uri())
    mlflow.set_experiment(experiment_id=where)
    ids = []
    for variant, lr in (("small", 0.01), ("large", 0.1)):
        identity = tracking.RunIdentity("vision", "baseline", variant, 1)
        with tracking.identified_run(identity, {"optimizer": {"lr": lr}, "seed": 1}) as run_id:
            tracking.log_metric_history(run_id, [("val_acc", 0.5 + 0.1 * e, e) for e in range(3)])
            tracking.log_metrics(run_id, {"best_val_acc": 0.7, "best_epoch": 3})
        ids.append(run_id)
    return ids


def test_the_report_shows_findings_and_not_yet_run(run_slice, tracked, tmp_path):
    client, _ = tracked
    course, answered, also = _two_claims()
    run_ids = _study_runs(client, tmp_path)
    figure = matplotlib.figure.Figure()
    figure.subplots().plot([1, 2], [3, 4])
    png = io.BytesIO()
    figure.savefig(png, format="png")
    table = findings_table(
        [
            finding(
                "vision",
                answered,
                "0.98",
                within(0.98, 0.98, 0.01, exact=True),
                ["vision/curve.png"],
                run_ids[:1],
            ),
            finding("rl", also, "1 vs 2", direction(2.0, 1.0, "a<b", exact=True)),
        ]
    )
    out = run_slice(
        create_pipeline(),
        {
            "findings_files": {"vision.csv": lambda: _csv(table)},
            "reporting_files": {"vision/curve.png": png.getvalue},
        },
        params={
            "reporting": {
                "comparisons": [
                    {
                        "title": "vision: baseline",
                        "tags": {"pipeline": "vision", "study": "baseline"},
                        "metrics": ["best_val_acc", "best_epoch"],
                        "curve": "val_acc",
                    }
                ]
            }
        },
    )
    html = out["report"]
    status = out["course_status"].set_index("question")["status"]
    assert status[course.questions[0].id] == "reproduced"
    assert status[course.questions[-1].id] == "not_reproduced"
    assert (status == "not_yet_run").sum() == len(course.questions) - 2
    summary = out["course_summary"]
    assert summary["questions"].sum() == len(course.questions)
    assert "not yet run" in html and "data:image/png;base64," in html
    assert f"runs/{run_ids[0]}" in html  # a link to the MLflow run of the finding
    assert "optimizer.lr" in html  # the only parameter that differs between the compared runs
    assert not re.search(r"""(src|href)=["']https?://(?!127\.0\.0\.1)""", html)  # no network


def test_no_findings_at_all_is_a_report_of_nothing_run(run_slice, tracked):
    out = run_slice(create_pipeline(), {"findings_files": {}, "reporting_files": {}})
    assert set(out["course_status"]["status"]) == {"not_yet_run"}
    assert "No study with runs in MLflow" in out["report"]


def test_a_verdict_typed_in_by_hand_is_refused():
    course, answered, _ = _two_claims()
    row = finding("vision", answered, "0.98", within(0.98, 0.98, 0.01))
    with pytest.raises(ValueError, match="unknown verdicts"):
        findings_table([{**row, "verdict": "agrees"}])

"""`kedro run --pipelines fundamentals` then `--pipelines reporting`: the report shows what
ran (unit 2's verdicts) and "not yet run" everywhere else; it is one file that needs no
network, and the `kedro run` logged it."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reported(project_copy):
    project = project_copy("reporting")
    project.run("--pipelines", "fundamentals")
    project.run("--pipelines", "reporting")
    return project


def test_the_report_reflects_only_what_ran(reported):
    data = reported.path / "data/08_reporting"
    status = pd.read_csv(data / "course_status.csv", dtype={"question": str})
    by_unit = status.groupby("unit")["status"].agg(lambda s: set(s))
    assert by_unit[1] == {"not_yet_run"} and by_unit[3] == {"not_yet_run"}
    assert by_unit[2] - {"not_yet_run"}  # fundamentals answered unit 2
    html = (data / "report.html").read_text()
    assert html.count('class="question not_yet_run"') == (status["status"] == "not_yet_run").sum()
    assert "data:image/png;base64," in html  # the findings' figures, embedded
    assert not re.search(r"""(src|href)=["']https?://(?!127\.0\.0\.1)""", html)


def test_the_report_is_an_artifact_of_its_kedro_run(reported):
    client = MlflowClient(reported.tracking_uri)
    experiment = client.get_experiment_by_name("dl-lab/reporting")
    (run,) = client.search_runs([experiment.experiment_id])
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert "report.html" in names

"""`kedro run --pipelines fundamentals` then `--pipelines reporting`: the report shows what
ran (unit 2's verdicts) and "not yet run" everywhere else; it is one file that needs no
network, and the `kedro run` logged it."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from dl_lab.reporting.report import STATUSES

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


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_the_report_opens_in_headless_chromium(reported, tmp_path):
    report = (reported.path / "data/08_reporting/report.html").as_uri()
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [CHROMIUM, *HEADLESS, *profile, "--window-size=1280,1600", f"--screenshot={shot}", report],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
    dom = subprocess.run(
        [CHROMIUM, *HEADLESS, *profile, "--dump-dom", report],
        capture_output=True,
        text=True,
        timeout=120,
    )
    console = [line for line in (done.stderr + dom.stderr).splitlines() if ":CONSOLE" in line]
    assert console == []  # no script errors, no failed loads
    page = dom.stdout
    for title in ("At a glance", "The course's mistakes", "Unit 1", "Unit 4", "Run comparisons"):
        assert f">{title}<" in page
    status = pd.read_csv(reported.path / "data/08_reporting/course_status.csv", dtype=str)
    for question in status["question"]:  # every question of the course is in the report
        assert f'id="q-{question}"' in page
    footer = re.search(r"<tfoot><tr><th>all</th>(.*?)</tr></tfoot>", page, re.S).group(1)
    shown = [int(n) for n in re.findall(r"<th>(\d+)</th>", footer)]
    expected = [int((status["status"] == s).sum()) for s in STATUSES] + [len(status)]
    assert shown == expected  # the summary counts are the findings' counts

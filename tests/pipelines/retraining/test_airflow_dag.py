"""The checked-in Airflow DAG is exactly what kedro-airflow generates from conf/base/airflow.yml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
DAG = ROOT / "airflow_dags" / "dl_lab_retraining_dag.py"
KEDRO = Path(sys.executable).with_name("kedro")


def test_regenerated_dag_matches_the_checked_in_one(fresh_project, tmp_path):
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true")
    done = subprocess.run(
        [
            str(KEDRO),
            "airflow",
            "create",
            "--pipelines",
            "retraining",
            "--group-by",
            "memory",
            "--target-dir",
            str(tmp_path / "dags"),
        ],
        cwd=fresh_project.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    generated = (tmp_path / "dags" / DAG.name).read_text()
    assert generated == DAG.read_text(), "regenerate airflow_dags/ (see conf/base/airflow.yml)"


def test_dag_is_weekly_and_ordered():
    text = DAG.read_text()
    assert 'schedule="@weekly"' in text and "max_active_runs=1" in text
    order = [
        "choose-challenger-config",
        "validate-incoming-data-train-challenger",
        "promote-if-better",
    ]
    assert f'tasks["{order[0]}"] >> tasks["{order[1]}"]' in text
    assert f'tasks["{order[1]}"] >> tasks["{order[2]}"]' in text

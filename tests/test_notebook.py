"""The exploration notebook runs headless in a project copy and shows a study and findings."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
import nbformat
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from nbclient import NotebookClient

from dl_lab import tracking

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _outputs(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") + str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def test_the_notebook_loads_runs_and_findings(fresh_project, monkeypatch):
    project = fresh_project.path
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    mlflow.set_tracking_uri(fresh_project.tracking_uri)
    client = MlflowClient()
    where = client.create_experiment(
        "dl-lab/vision", artifact_location=(project / "mlruns").as_uri()
    )
    mlflow.set_experiment(experiment_id=where)
    for variant in ("lenet5", "mlp"):
        with tracking.identified_run(
            tracking.RunIdentity("vision", "baseline", variant, 42), {}
        ) as run:
            tracking.log_metric_history(run, [("val_acc", 0.9 + 0.01 * e, e) for e in range(3)])
    mlflow.set_tracking_uri(None)
    findings = project / "data/08_reporting/course_findings.csv"
    pd.DataFrame({"question": ["2.1", "2.4"], "verdict": ["reproduced", "partly"]}).to_csv(
        findings, index=False
    )
    notebook = nbformat.read(ROOT / "notebooks/exploration.ipynb", as_version=4)
    assert notebook.cells[1].source.strip() == "%load_ext kedro.ipython"
    monkeypatch.setenv("KEDRO_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(project)  # the kernel starts here: the project root
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(project)}},
    ).execute()
    errors = [
        f"{o['ename']}: {o['evalue']}"
        for cell in notebook.cells
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors == []
    text = _outputs(notebook)
    assert "2 runs of {'pipeline': 'vision', 'study': 'baseline'}" in text
    assert "reproduced" in text and "partly" in text
    assert any(
        o.get("output_type") == "display_data" for c in notebook.cells for o in c.get("outputs", [])
    )

"""`kedro run` logging to a local `mlflow server` through MLFLOW_TRACKING_URI.

The server (127.0.0.1, a free port, a sqlite backend, artifacts served by the server into
its own folder) is started here. A tiny training (`vision`, study `baseline`, on the data
of the session's data_processing run) must land there: runs, per-epoch metrics and
artifacts (figures, the checkpoint, the model), and nothing in the project's own
mlflow.db or mlruns/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from .conftest import free_port, wait_for_port

pytestmark = pytest.mark.slow
MLFLOW = Path(sys.executable).with_name("mlflow")
KEDRO = Path(sys.executable).with_name("kedro")


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """``(tracking URI, artifacts folder)`` of a server running for this module."""
    root = tmp_path_factory.mktemp("mlflow_server")
    port = free_port()
    command = [
        str(MLFLOW),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{root / 'server.db'}",
        "--serve-artifacts",
        "--artifacts-destination",
        str(root / "artifacts"),
    ]
    with open(root / "server.log", "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        wait_for_port(port, timeout=180, process=server)
        uri = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{uri}/health", timeout=30) as answer:
            assert answer.status == 200
        yield uri, root / "artifacts"
    finally:
        server.terminate()
        server.wait(30)


def test_a_kedro_run_logs_runs_and_artifacts_through_the_server(
    mlflow_server, kedro_project, project_copy
):
    uri, artifacts = mlflow_server
    project = project_copy("tracked_by_server")
    shutil.copytree(kedro_project.path / "data", project.path / "data", dirs_exist_ok=True)
    environ = dict(
        os.environ, MLFLOW_TRACKING_URI=uri, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg"
    )
    done = subprocess.run(
        [str(KEDRO), "run", "--env", "test", "--pipelines", "vision", "--namespaces", "baseline"],
        cwd=project.path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("dl-lab/vision")
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [r for r in runs if r.info.run_name == "vision"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert children and all(r.info.run_name.startswith("baseline__lenet5__seed") for r in children)
    assert all(r.info.status == "FINISHED" for r in runs)
    child = children[0]
    steps = [m.step for m in client.get_metric_history(child.info.run_id, "val_acc")]
    assert steps and steps == list(range(len(steps)))  # one value per epoch
    assert experiment.artifact_location.startswith("mlflow-artifacts:")  # the server's store
    logged = {a.path for a in client.list_artifacts(child.info.run_id)}
    assert "checkpoints" in logged and "learning_curves.png" in logged
    on_server = {p.name for p in artifacts.rglob("*") if p.is_file()}
    assert {"best.ckpt", "learning_curves.png", "MLmodel"} <= on_server
    assert not (project.path / "mlflow.db").exists()  # nothing went to the local store
    assert not (project.path / "mlruns").exists()

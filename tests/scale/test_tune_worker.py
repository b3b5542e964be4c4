"""What a user runs: `kedro run --pipelines tuning` and `kedro tune-worker --worker 1` at
once, on one study in PostgreSQL (password from conf/local/credentials.yml) or in a journal
file. The study ends with exactly `tuning.n_trials` trials, each run once, by one of the
two, in one MLflow study run; the kedro run summarizes all of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow
KEDRO = Path(sys.executable).with_name("kedro")
N_TRIALS = 6
STUDY = "cnn_mnist_5k"


def _start(project: Path, log: str, *args: str) -> subprocess.Popen:
    """``kedro <args>`` in ``project``, its output into ``project/<log>`` (a pipe could fill
    while the test waits for the other process, and stall this one)."""
    environ = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg", COLUMNS="200")
    environ.pop("MLFLOW_TRACKING_URI", None)
    environ.pop("PGPASSWORD", None)  # it must come from conf/local
    with open(project / log, "w") as out:
        return subprocess.Popen(
            [str(KEDRO), *args], cwd=project, env=environ, stdout=out, stderr=subprocess.STDOUT
        )


@pytest.mark.parametrize("storage", ["postgresql", "journal"])
def test_a_tune_worker_beside_the_kedro_run_shares_the_study(
    storage, request, kedro_project, project_copy
):
    project = project_copy(f"tuning_{storage}").path
    shutil.copytree(kedro_project.path / "data", project / "data", dirs_exist_ok=True)
    for leftover in ("06_models", "08_reporting"):  # the session's own study, if it ran one
        shutil.rmtree(project / "data" / leftover, ignore_errors=True)
        (project / "data" / leftover).mkdir()
    if storage == "postgresql":
        postgres = request.getfixturevalue("postgres")
        os.environ["PGPASSWORD"] = "test-only-password"
        postgres.reset()
        del os.environ["PGPASSWORD"]
        url = postgres.url  # no password in it: it comes from the run's credentials file,
        # which kedro-mlflow exports as environment variables. That file is conf/local's for a
        # plain kedro run; with --env test Kedro reads conf/base and conf/test only, so here it
        # is the copy's conf/test (the shipped conf/test has none: tests/scale/test_security.py).
        (project / "conf/test/credentials.yml").write_text(
            "environment:\n  PGPASSWORD: test-only-password\n"
        )
    else:
        url = "journal:data/06_models/shared_study.log"
    params = (
        f"tuning.storage.url={url},tuning.n_trials={N_TRIALS},"
        "tuning.trial.max_epochs=2,tuning.trial.train_subset=800"
    )
    worker = _start(
        project, "worker.log", "tune-worker", "--env", "test", "--worker", "1", "--params", params
    )
    main = _start(
        project, "main.log", "run", "--env", "test", "--pipelines", "tuning", "--params", params
    )
    try:
        main.wait(timeout=1200)
        worker.wait(timeout=300)
    finally:
        for process in (main, worker):
            if process.poll() is None:
                process.kill()
    main_out, worker_out = (project / "main.log").read_text(), (project / "worker.log").read_text()
    assert main.returncode == 0, main_out[-5000:]
    assert worker.returncode == 0, worker_out[-5000:]

    trials = pd.read_csv(project / "data/08_reporting/tuning/trials.csv")
    assert sorted(trials["number"]) == list(range(N_TRIALS))  # exactly n_trials, none twice
    assert set(trials["state"]) <= {"COMPLETE", "PRUNED"}
    params_columns = [c for c in trials if c.startswith("param_")]
    assert not trials.duplicated(params_columns).any()
    by_worker = trials["worker"].value_counts().to_dict()
    assert set(by_worker) == {0, 1}  # both took part
    assert f"tune-worker 1: ran {by_worker[1]} trials" in worker_out

    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("dl-lab/tuning")
    runs = client.search_runs([experiment.experiment_id])
    (study,) = [r for r in runs if r.info.run_name == f"{STUDY}__study"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == study.info.run_id]
    assert sorted(r.info.run_name for r in children) == [
        f"{STUDY}__trial{n:03d}" for n in range(N_TRIALS)
    ]
    assert {r.data.tags["worker"] for r in children} == {"0", "1"}
    assert study.info.status == "FINISHED"

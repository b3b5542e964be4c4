"""What a user runs: `kedro run --pipelines tuning` and `kedro tune-worker --worker 1` at
once, on one study in PostgreSQL (password from conf/local/credentials.yml) or in a journal
file. The study ends with exactly `tuning.n_trials` trials, each run once, by one of the
two, in one MLflow study run; the kedro run summarizes all of them.

Both must take part, and a worker joins seconds after the kedro run starts its trials (a
Kedro session, the data): on a slow machine the kedro run could finish them all first. So the
test holds the study's lock, which a worker takes to start each trial, from the moment the
kedro run has started the study run until the worker says it has joined; then each starts
a trial and lets go of the lock as it trains, so each takes at least one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from dl_lab.tuning.config import StorageConfig
from dl_lab.tuning.locks import StudyLock, study_lock
from dl_lab.tuning.search import wait_for_study_run
from dl_lab.tuning.study import build_storage

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


def _wait_for_line(path: Path, line: str, process: subprocess.Popen, timeout: float) -> None:
    """Return once ``line`` is in the file ``path`` that ``process`` writes to."""
    deadline = time.monotonic() + timeout
    while line not in path.read_text():
        assert process.poll() is None, path.read_text()[-5000:]
        assert time.monotonic() < deadline, f"no {line!r} after {timeout} s in {path}"
        time.sleep(0.2)


def _lock_once_the_run_started(url: str) -> StudyLock:
    """The study's lock, taken by the test once the kedro run has started the study run.

    Before that the kedro run needs the lock to open the study, and a trial cannot start
    before its study run exists. ``url`` must be readable from here: an absolute journal path;
    for PostgreSQL, PGPASSWORD set.
    """
    storage = build_storage(StorageConfig(url=url))
    deadline = time.monotonic() + 600
    while True:
        try:
            study = optuna.load_study(study_name=STUDY, storage=storage)
            break
        except KeyError:  # the kedro run has not created it yet
            assert time.monotonic() < deadline, f"no study {STUDY!r} after 600 s"
            time.sleep(0.05)
    wait_for_study_run(study, wait_s=600, poll_s=0.05)
    lock = study_lock(StorageConfig(url=url), STUDY)
    lock.acquire()
    return lock


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
        postgres.reset()  # PGPASSWORD stays set for the test's own look at the study
        url = postgres.url  # no password in it: it comes from the run's credentials file,
        # which kedro-mlflow exports as environment variables. That file is conf/local's for a
        # plain kedro run; with --env test Kedro reads conf/base and conf/test only, so here it
        # is the copy's conf/test (the shipped conf/test has none: tests/scale/test_security.py).
        (project / "conf/test/credentials.yml").write_text(
            "environment:\n  PGPASSWORD: test-only-password\n"
        )
        seen_from_here = url
    else:
        url = "journal:data/06_models/shared_study.log"
        seen_from_here = f"journal:{project / url.removeprefix('journal:')}"  # test's cwd differs
    params = (
        f"tuning.storage.url={url},tuning.n_trials={N_TRIALS},"
        "tuning.trial.max_epochs=2,tuning.trial.train_subset=800"
    )
    processes, lock = [], None
    try:
        # the worker first: it opens (here, creates) the study and waits for its study run
        worker = _start(
            project, "worker.log", "tune-worker", "--env", "test", "--worker", "1",
            "--params", params,
        )  # fmt: skip
        processes.append(worker)
        _wait_for_line(project / "worker.log", "waiting for the kedro run", worker, 600)
        main = _start(
            project, "main.log", "run", "--env", "test", "--pipelines", "tuning",
            "--params", params,
        )  # fmt: skip
        processes.append(main)
        lock = _lock_once_the_run_started(seen_from_here)
        _wait_for_line(project / "worker.log", "worker 1 joined study run", worker, 600)
        lock.close()
        main.wait(timeout=1200)
        worker.wait(timeout=300)
    finally:
        if lock is not None:
            lock.close()
        os.environ.pop("PGPASSWORD", None)
        for process in processes:
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

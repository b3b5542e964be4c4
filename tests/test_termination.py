"""SIGTERM (a scheduler stopping the task) or Ctrl+C ends the runs FAILED; training resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from dl_lab import errors
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.errors import Terminated
from dl_lab.hooks import FailOnStopSignalHook
from dl_lab.tracking import RunIdentity
from dl_lab.training.callbacks import HistoryCallback
from dl_lab.training.config import EarlyStoppingConfig, TrainerConfig, VariantSpec
from dl_lab.training.fit import fit

KEDRO = Path(sys.executable).with_name("kedro")


def _fit(tmp_path):
    variant = VariantSpec(architecture="mlp", model={"depth": 1, "width": 8})
    cfg = TrainerConfig(
        max_epochs=4,
        batch_size=16,
        checkpoint_dir=str(tmp_path / "ckpt"),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    data = synthetic_bundle((64, 32, 32), classes=2)
    return fit(data, variant, cfg, RunIdentity("test", "termination", "stopped", 3))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_during_training_fails_the_run_and_the_rerun_resumes(
    tmp_path, monkeypatch, stop
):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment(  # artifacts beside the store, not in ./mlruns
        experiment_id=mlflow.create_experiment("sigterm", (tmp_path / "mlruns").as_uri())
    )
    start_epoch = HistoryCallback.on_train_epoch_start

    def stop_in_epoch_3(self, trainer, module):
        start_epoch(self, trainer, module)
        if trainer.current_epoch == 2:
            os.kill(os.getpid(), stop)  # SIGTERM: what Airflow sends on a timeout

    hook = FailOnStopSignalHook()
    previous = signal.getsignal(stop)
    hook.before_pipeline_run()
    try:
        with monkeypatch.context() as patch:
            patch.setattr(HistoryCallback, "on_train_epoch_start", stop_in_epoch_3)
            with pytest.raises(Terminated, match=f"stopped by {stop.name}"):
                _fit(tmp_path)
    finally:
        hook.on_pipeline_error()
    assert signal.getsignal(stop) == previous  # put back after the run
    client = MlflowClient()
    (stopped,) = client.search_runs([mlflow.get_experiment_by_name("sigterm").experiment_id])
    assert stopped.info.status == "FAILED"
    assert stopped.data.tags["failure_reason"].startswith(f"Terminated: stopped by {stop.name}")
    resumed = _fit(tmp_path)
    assert client.get_run(resumed.run_id).data.tags["resumed_after_epoch"] == "2"
    assert resumed.history["epoch"].tolist() == [1, 2, 3, 4]
    mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_sigterm_or_ctrl_c_to_kedro_run_closes_every_run_as_failed(fresh_project):
    fresh_project.run("--pipelines", "data_processing")
    client = MlflowClient(tracking_uri=fresh_project.tracking_uri)
    for stop in (signal.SIGTERM, signal.SIGINT):
        output, returncode = _stop_kedro_run_in_training(fresh_project, client, stop)
        assert returncode == 1, output[-4000:]
        assert f"Terminated: stopped by {stop.name}" in output
    runs = client.search_runs([client.get_experiment_by_name("dl-lab/vision").experiment_id])
    assert len(runs) == 4  # two `kedro run` parents, two training runs
    assert {run.info.status for run in runs} == {"FAILED"}
    reasons = sorted(
        run.data.tags["failure_reason"] for run in runs if "mlflow.parentRunId" in run.data.tags
    )
    assert [reason.split(" (pid")[0] for reason in reasons] == [
        "Terminated: stopped by SIGINT",
        "Terminated: stopped by SIGTERM",
    ]


def _stop_kedro_run_in_training(project, client: MlflowClient, stop: signal.Signals):
    """Start `kedro run` on the baseline variant; send ``stop`` once its training run is live."""
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg", COLUMNS="200")
    env.pop("MLFLOW_TRACKING_URI", None)
    worker = subprocess.Popen(
        [
            *(str(KEDRO), "run", "--env", "test", "--pipelines", "vision"),
            *("--namespaces", "baseline"),
            # Long enough that the signal surely lands in training, however loaded the host.
            *("--params", "vision.studies.baseline.lenet5.max_epochs=200"),
        ],
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not _training_runs(client, "RUNNING"):
        assert worker.poll() is None, worker.communicate()[0][-4000:]
        assert time.monotonic() < deadline, "no training run started"
        time.sleep(0.1)
    worker.send_signal(stop)
    output = worker.communicate(timeout=60)[0]
    return output, worker.returncode


def _training_runs(client: MlflowClient, status: str) -> list:
    experiment = client.get_experiment_by_name("dl-lab/vision")
    if experiment is None:
        return []
    runs = client.search_runs([experiment.experiment_id], f"attributes.status = '{status}'")
    return [run for run in runs if "mlflow.parentRunId" in run.data.tags]


def test_a_second_ctrl_c_stops_at_once_and_a_second_sigterm_lets_the_clean_up_finish():
    hook = FailOnStopSignalHook()
    with pytest.raises(Terminated):
        hook._stop(signal.SIGINT, None)
    with pytest.raises(KeyboardInterrupt):
        hook._stop(signal.SIGINT, None)
    assert hook._stop(signal.SIGTERM, None) is None  # ignored: the first one is being handled
    hook.on_pipeline_error()  # the clean-up forgets the stop: a later run is not "stopped"
    assert errors.stop_behind(ValueError("later")) is None

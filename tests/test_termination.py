"""SIGTERM (a scheduler stopping the task) ends the runs FAILED, and the training resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest
import torch
from mlflow.tracking import MlflowClient

from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.hooks import FailOnSigtermHook
from dl_lab.training.callbacks import HistoryCallback, Terminated
from dl_lab.training.config import EarlyStoppingConfig, TrainerConfig, VariantSpec
from dl_lab.training.fit import fit_classifier

KEDRO = Path(sys.executable).with_name("kedro")


def _bundle() -> dict:
    generator = torch.Generator().manual_seed(0)
    data = {"classes": ["a", "b"], "mean": torch.tensor([0.5]), "std": torch.tensor([0.25])}
    for split, n in (("train", 64), ("val", 32), ("test", 32)):
        y = torch.arange(n) % 2
        data[f"x_{split}"] = torch.rand(n, 1, 8, 8, generator=generator) + y.view(-1, 1, 1, 1)
        data[f"y_{split}"] = y
    return data


def _fit(tmp_path):
    variant = VariantSpec(architecture="mlp", model={"depth": 1, "width": 8})
    cfg = TrainerConfig(
        max_epochs=4,
        batch_size=16,
        checkpoint_dir=str(tmp_path / "ckpt"),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    return fit_classifier(_bundle(), variant, cfg, AugmentationSpec(), 3, "stopped", {})


def test_sigterm_during_training_fails_the_run_and_the_rerun_resumes(tmp_path, monkeypatch):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("sigterm")
    start_epoch = HistoryCallback.on_train_epoch_start

    def stop_in_epoch_3(self, trainer, module):
        start_epoch(self, trainer, module)
        if trainer.current_epoch == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # what `airflow tasks` sends on a timeout

    hook = FailOnSigtermHook()
    previous = signal.getsignal(signal.SIGTERM)
    hook.before_pipeline_run()
    try:
        with monkeypatch.context() as patch:
            patch.setattr(HistoryCallback, "on_train_epoch_start", stop_in_epoch_3)
            with pytest.raises(Terminated, match="stopped by SIGTERM"):
                _fit(tmp_path)
    finally:
        hook.on_pipeline_error()
    assert signal.getsignal(signal.SIGTERM) == previous  # put back after the run
    client = MlflowClient()
    (stopped,) = client.search_runs([mlflow.get_experiment_by_name("sigterm").experiment_id])
    assert stopped.info.status == "FAILED"
    assert stopped.data.tags["failure_reason"].startswith("Terminated: stopped by SIGTERM")
    resumed = _fit(tmp_path)
    assert client.get_run(resumed.run_id).data.tags["resumed_after_epoch"] == "2"
    assert resumed.history["epoch"].tolist() == [1, 2, 3, 4]
    mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_sigterm_to_kedro_run_closes_every_run_as_failed(fresh_project):
    fresh_project.run("--pipelines", "data_processing")
    client = MlflowClient(tracking_uri=fresh_project.tracking_uri)
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg")
    env.pop("MLFLOW_TRACKING_URI", None)
    worker = subprocess.Popen(
        [str(KEDRO), "run", "--env", "test", "--pipelines", "vision", "--namespaces", "baseline"],
        cwd=fresh_project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not _training_runs(client, "RUNNING"):
        assert worker.poll() is None, worker.communicate()[0][-4000:]
        assert time.monotonic() < deadline, "no training run started"
        time.sleep(0.2)
    worker.send_signal(signal.SIGTERM)
    output = worker.communicate(timeout=60)[0]
    assert worker.returncode == 1, output[-4000:]
    runs = client.search_runs([client.get_experiment_by_name("dl-lab/vision").experiment_id])
    assert {run.info.status for run in runs} == {"FAILED"}, output[-4000:]
    (training,) = [run for run in runs if "mlflow.parentRunId" in run.data.tags]
    assert "Terminated: stopped by SIGTERM" in training.data.tags["failure_reason"]


def _training_runs(client: MlflowClient, status: str) -> list:
    experiment = client.get_experiment_by_name("dl-lab/vision")
    if experiment is None:
        return []
    runs = client.search_runs([experiment.experiment_id], f"attributes.status = '{status}'")
    return [run for run in runs if "mlflow.parentRunId" in run.data.tags]

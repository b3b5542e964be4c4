"""The Lightning logger holds epoch metrics and writes them in batches, never losing any."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from dl_lab import tracking
from dl_lab.data.synthetic import synthetic_bundle


@pytest.fixture
def run_id(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment(  # artifacts beside the store, not in ./mlruns
        experiment_id=mlflow.create_experiment("test", (tmp_path / "mlruns").as_uri())
    )
    with mlflow.start_run() as run:
        yield run.info.run_id
    mlflow.set_tracking_uri(None)


def _history(run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in MlflowClient().get_metric_history(run_id, key)]


def test_metrics_are_held_until_the_interval_then_all_written(run_id):
    logger = tracking.lightning_logger(run_id, flush_every_s=3600)
    for epoch in range(3):
        logger.log_metrics({"val_loss": 1.0 / (epoch + 1), "val_acc": 0.5}, step=epoch)
    assert _history(run_id, "val_loss") == []  # nothing written yet: no request per epoch
    logger.finalize("success")
    assert _history(run_id, "val_loss") == [(0, 1.0), (1, 0.5), (2, 1 / 3)]
    assert len(_history(run_id, "val_acc")) == 3


def test_a_failed_fit_still_writes_what_it_logged(run_id):
    logger = tracking.lightning_logger(run_id, flush_every_s=3600)
    logger.log_metrics({"train_loss": float("nan")}, step=4)
    logger.finalize("failed")
    (point,) = MlflowClient().get_metric_history(run_id, "train_loss")
    assert point.step == 4 and point.value != point.value  # NaN kept, for the failure report
    assert MlflowClient().get_run(run_id).info.status == "FAILED"


def test_with_a_zero_interval_every_call_is_written_at_once(run_id):
    logger = tracking.lightning_logger(run_id, flush_every_s=0)
    logger.log_metrics({"val_acc": 0.25}, step=1)
    assert _history(run_id, "val_acc") == [(1, 0.25)]


def test_a_pipelines_runs_go_to_its_experiment_whatever_the_command(tracked, tmp_path):
    client, _ = tracked
    default = client.create_experiment(
        "dl-lab/default", artifact_location=(tmp_path / "a").as_uri()
    )
    data = synthetic_bundle()
    identity = tracking.RunIdentity("vision", "baseline", "lenet5", 42).for_data(data)
    with mlflow.start_run(experiment_id=default) as parent:
        with tracking.identified_run(identity, {"lr": 0.1}) as run_id:
            pass
    run = client.get_run(run_id)
    vision = client.get_experiment_by_name("dl-lab/vision")
    assert run.info.experiment_id == vision.experiment_id != default
    assert run.info.run_name == "baseline__lenet5__seed42"
    assert (
        run.data.tags["mlflow.parentRunId"] == run.data.tags["kedro_run_id"] == parent.info.run_id
    )
    assert vision.tags["mlflow.experimentKind"] == "custom_model_development"
    (dataset,) = run.inputs.dataset_inputs
    assert dataset.dataset.name == data.dataset and dataset.dataset.digest == data.fingerprint
    assert '"train_size": 96' in dataset.dataset.source


def test_outside_a_kedro_run_a_run_stays_in_the_active_experiment(tracked):
    client, experiment_id = tracked
    with tracking.identified_run(tracking.RunIdentity("rl", "dqn", "double", 1), {}) as run_id:
        pass
    assert client.get_run(run_id).info.experiment_id == experiment_id


def test_a_run_inside_a_training_run_stays_beside_it(tracked):
    client, experiment_id = tracked
    with tracking.identified_run(tracking.RunIdentity("tuning", "s", "study", 1), {}) as study:
        with tracking.identified_run(tracking.RunIdentity("tuning", "s", "trial0", 1), {}) as trial:
            pass
    assert client.get_run(trial).info.experiment_id == experiment_id
    assert client.get_run(trial).data.tags["mlflow.parentRunId"] == study


def test_a_run_in_its_pipelines_experiment_can_be_reopened_under_a_plain_kedro_run(
    tracked, tmp_path
):
    client, _ = tracked
    default = client.create_experiment(
        "dl-lab/default", artifact_location=(tmp_path / "a").as_uri()
    )
    mlflow.set_experiment(experiment_id=default)  # as kedro-mlflow does for a plain kedro run
    with mlflow.start_run() as parent:
        with tracking.identified_run(tracking.RunIdentity("vision", "s", "v", 1), {}) as run_id:
            pass
        with tracking.resume_run(run_id):  # e.g. to log the evaluation into the variant's run
            mlflow.log_metric("test_acc", 0.9)
        assert mlflow.active_run().info.run_id == parent.info.run_id
        with tracking.identified_run(tracking.RunIdentity("vision", "s", "w", 1), {}):
            pass  # the kedro run's experiment is active again: a new run still routes right
    assert client.get_run(run_id).data.metrics["test_acc"] == 0.9
    assert mlflow.get_experiment_by_name("dl-lab/default").experiment_id == default

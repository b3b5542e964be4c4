"""The Lightning logger holds epoch metrics and writes them in batches, never losing any."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from dl_lab import tracking


@pytest.fixture
def run_id(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("test")
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

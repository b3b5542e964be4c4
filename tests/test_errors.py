"""A stop signal gives the reason ``Terminated`` wherever it lands, even inside MLflow."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from dl_lab import errors, tracking


@pytest.fixture
def store(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment(  # artifacts beside the store, not in ./mlruns
        experiment_id=mlflow.create_experiment("errors", (tmp_path / "mlruns").as_uri())
    )
    errors.clear_stop()
    yield MlflowClient()
    errors.clear_stop()
    mlflow.set_tracking_uri(None)


def _only_run(client):
    (run,) = client.search_runs([mlflow.get_experiment_by_name("errors").experiment_id])
    return run


def test_a_stop_wrapped_by_mlflow_is_still_the_reason_and_what_propagates(store):
    with pytest.raises(errors.Terminated, match="stopped by SIGINT") as raised:
        with tracking.child_run("stopped", {}, {}):
            stop = errors.request_stop("stopped by SIGINT")
            # what MLflow does when the signal lands inside a request: its own error, no chain
            raise MlflowException(str(stop))
    assert isinstance(raised.value.__cause__, MlflowException)
    run = _only_run(store)
    assert run.info.status == "FAILED"
    assert run.data.tags["failure_reason"] == "Terminated: stopped by SIGINT"


def test_an_error_without_a_stop_keeps_its_own_reason(store):
    with pytest.raises(MlflowException):
        with tracking.child_run("broken", {}, {}):
            raise MlflowException("the store is gone")
    assert _only_run(store).data.tags["failure_reason"] == "MlflowException: the store is gone"


def test_stop_behind_follows_the_chain_of_causes():
    errors.clear_stop()
    stop = errors.Terminated("stopped by SIGTERM")
    try:
        try:
            raise stop
        except errors.Terminated as err:
            raise ValueError("wrapped") from err
    except ValueError as wrapped:
        assert errors.stop_behind(wrapped) is stop
    assert errors.stop_behind(ValueError("plain")) is None

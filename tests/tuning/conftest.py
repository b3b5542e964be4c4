"""Fixtures for the tuning library tests: a throw-away MLflow store per test, made fast."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty MLflow SQLite store, created (and schema-migrated) once per session."""
    path = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def tracked(tmp_path: Path, migrated_store: Path):
    """A fresh copy of the empty store as the tracking URI, and an active experiment."""
    store = tmp_path / "mlflow.db"
    shutil.copy(migrated_store, store)
    mlflow.set_tracking_uri(f"sqlite:///{store}")
    experiment = mlflow.set_experiment("unit")
    yield MlflowClient(), experiment.experiment_id
    mlflow.set_tracking_uri(None)

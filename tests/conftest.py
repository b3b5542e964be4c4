"""Shared fixtures: a throw-away copy of the project to run `kedro run --env test` in, an
in-memory runner for pipeline slices, a scratch MLflow store, and small synthetic data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import mlflow
import pytest
import torch
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner
from kedro.validation.parameter_validator import ParameterValidator
from mlflow.tracking import MlflowClient

from dl_lab.settings import CONFIG_LOADER_ARGS
from dl_lab.training.loops import Splits

ROOT = Path(__file__).resolve().parents[1]
KEDRO = Path(sys.executable).with_name("kedro")


LONG_MARKERS = ("slow", "kedro_case")  # tests that run `kedro run` in a subprocess


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a test that runs `kedro run` first, each file's tests in their order.

    The xdist workers take whole files in this order (``--dist loadfile``): the long files
    started first leave the short ones to fill the end, instead of one long file running
    alone at the end while the other worker waits.
    """
    long_files = {
        item.path for item in items if any(item.get_closest_marker(m) for m in LONG_MARKERS)
    }
    items.sort(key=lambda item: item.path not in long_files)  # stable: order kept within


def project_parameters(
    env: str = "test", overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The project's parameters as ``kedro run --env <env>`` reads them, plus ``overrides``
    (nested dicts, merged key by key)."""
    args = {**CONFIG_LOADER_ARGS, "default_run_env": env}
    loader = OmegaConfigLoader(str(ROOT / "conf"), **args)
    return _merged(loader["parameters"], overrides or {})


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _lookup(params: dict[str, Any], dotted: str) -> Any:
    value: Any = params
    for part in dotted.split("."):
        value = value[part]
    return value


def _run_slice(
    pipeline: Pipeline,
    inputs: dict[str, Any],
    env: str = "test",
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``pipeline`` on an in-memory catalog; return the data of every output it leaves.

    ``inputs`` are its free datasets (``MemoryDataset``s); its ``params:`` inputs come from
    conf/base + conf/<env> (and ``params`` overrides), validated against the nodes' type
    hints exactly as ``kedro run`` does. Nothing is read from or written to disk.
    """
    validated = ParameterValidator({"slice": pipeline}).validate_raw_params(
        project_parameters(env, params)
    )
    catalog = DataCatalog({name: MemoryDataset(value) for name, value in inputs.items()})
    for name in pipeline.inputs():
        if name.startswith("params:"):
            catalog[name] = _lookup(validated, name.removeprefix("params:"))
    missing = pipeline.inputs() - set(catalog.keys())
    if missing:
        raise ValueError(f"run_slice: give the pipeline's free inputs {sorted(missing)}")
    outputs = SequentialRunner().run(pipeline, catalog)
    return {name: dataset.load() for name, dataset in outputs.items()}


class KedroProject:
    """A copy of the project (conf, pyproject, empty data layers) in a temporary folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self, *args: str, env: str = "test", check: bool = True) -> subprocess.CompletedProcess:
        """``kedro run --env <env> <args>`` in the copy; fails the test with the output."""
        environ = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg", COLUMNS="200")
        environ.pop("MLFLOW_TRACKING_URI", None)
        done = subprocess.run(
            [str(KEDRO), "run", "--env", env, *args],
            cwd=self.path,
            env=environ,
            capture_output=True,
            text=True,
            timeout=1500,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"kedro run {' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
            )
        return done

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.path / 'mlflow.db'}"


def make_project_copy(dest: Path) -> KedroProject:
    """Copy what `kedro run` needs: pyproject, conf (without local), src, empty data layers."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", ".telemetry"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "conf", dest / "conf", ignore=shutil.ignore_patterns("local"))
    (dest / "conf" / "local").mkdir(exist_ok=True)
    shutil.copytree(
        ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    for layer in (
        "01_raw",
        "02_intermediate",
        "03_primary",
        "04_feature",
        "05_model_input",
        "06_models",
        "07_model_output",
        "08_reporting",
    ):
        (dest / "data" / layer).mkdir(parents=True, exist_ok=True)
    return KedroProject(dest)


@pytest.fixture(scope="session")
def kedro_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """One project copy shared by the whole session, with data_processing already run."""
    project = make_project_copy(tmp_path_factory.mktemp("project"))
    project.run("--pipelines", "data_processing")
    return project


@pytest.fixture(scope="session")
def project_copy(tmp_path_factory: pytest.TempPathFactory):
    """A factory of project copies for module-scoped fixtures: ``project_copy("rl")``."""
    return lambda name: make_project_copy(tmp_path_factory.mktemp(name) / "project")


@pytest.fixture
def fresh_project(tmp_path: Path) -> KedroProject:
    """A project copy of one's own (nothing run yet)."""
    return make_project_copy(tmp_path / "project")


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
    client = MlflowClient()
    # Artifacts beside the store, not in the working directory's ./mlruns.
    experiment_id = client.create_experiment(
        "unit", artifact_location=(tmp_path / "mlruns").as_uri()
    )
    mlflow.set_experiment(experiment_id=experiment_id)
    yield client, experiment_id
    mlflow.set_tracking_uri(None)


def toy_images(
    n: int, classes: int = 4, size: int = 8, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each class lights up its own horizontal band of an image, plus noise."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes
    x = 0.3 * torch.randn(n, 1, size, size, generator=generator)
    band = size // classes
    for c in range(classes):
        x[y == c, :, c * band : (c + 1) * band, :] += 1.0
    return x, y


@pytest.fixture(scope="session")
def toy_splits() -> Splits:
    x, y = toy_images(256, seed=0)
    x_val, y_val = toy_images(128, seed=1)
    return Splits(x, y, x_val, y_val)


@pytest.fixture
def run_slice():
    """``run_slice(pipeline, inputs, env="test", params=None) -> outputs`` (see ``_run_slice``)."""
    return _run_slice


@pytest.fixture
def parameters():
    """``parameters(env="test", overrides=None)``: the project's parameters for ``env``."""
    return project_parameters


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """The test runs in ``tmp_path``: relative paths (MLflow artifacts, checkpoints) land there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path

"""retraining end to end with --env test: promote v1, judge v2 by the margin, survive a kill."""

from __future__ import annotations

import csv
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow
MODEL = "retrain-e2e"  # a name of its own: other tests share the project's registry
ARGS = ("--pipelines", "retraining", "--params", f"retraining.model_name={MODEL}")
KEDRO = Path(sys.executable).with_name("kedro")


def audit(project) -> list[dict[str, str]]:
    with (project.path / "data/08_reporting/retraining/audit.csv").open() as handle:
        return [row for row in csv.DictReader(handle) if row["model_name"] == MODEL]


def champion(client: MlflowClient) -> str:
    return str(client.get_model_version_by_alias(MODEL, "champion").version)


@pytest.fixture(scope="module")
def retrained_twice(kedro_project):
    kedro_project.run(*ARGS)
    kedro_project.run(*ARGS)
    return kedro_project, MlflowClient(tracking_uri=kedro_project.tracking_uri)


def test_first_promotes_v1_second_only_if_better_by_the_margin(retrained_twice):
    project, client = retrained_twice
    first, second = audit(project)
    assert (first["challenger_version"], first["promoted"], first["champion_after"]) == (
        "1",
        "True",
        "1",
    )
    assert first["champion_version"] == "" and "no champion yet" in first["reason"]
    assert (second["challenger_version"], second["champion_version"]) == ("2", "1")
    margin = yaml.safe_load((project.path / "conf/base/parameters_retraining.yml").read_text())[
        "retraining"
    ]["min_improvement"]
    gain = float(second["challenger_value"]) - float(second["champion_value"])
    assert (second["promoted"] == "True") == (gain >= margin)
    assert champion(client) == second["champion_after"]
    versions = client.search_model_versions(f"name = '{MODEL}'")
    assert sorted(str(v.version) for v in versions) == ["1", "2"]
    v2 = client.get_model_version(MODEL, "2")
    assert float(v2.tags["test_acc"]) == float(second["challenger_value"])
    run = client.get_run(second["run_id"])
    assert run.data.tags["decision"] in {"promoted", "kept_champion"}
    assert run.data.tags["decision_reason"] == second["reason"]


def _incoming_from_train(project, n: int) -> Path:
    """n training images back in raw pixel units, as a user would drop them."""
    bundle = torch.load(project.path / "data/05_model_input/model_input.pt", weights_only=True)
    images = np.rint(bundle["x_train"][:n].numpy() * 255.0).astype(np.uint8)
    path = project.path / "data/01_raw/incoming/new_digits.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, images=images, labels=bundle["y_train"][:n].numpy())
    return path


def _wait_for_version(client, version: str, worker: subprocess.Popen, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.poll() is None, worker.communicate()[0][-4000:]
        if any(
            str(v.version) == version for v in client.search_model_versions(f"name = '{MODEL}'")
        ):
            return client.get_model_version(MODEL, version)
        time.sleep(0.5)
    pytest.fail(f"version {version} of {MODEL} was never registered")


def test_killed_retraining_leaves_the_champion_as_it_was(retrained_twice):
    project, client = retrained_twice
    before, rows_before = champion(client), len(audit(project))
    incoming = _incoming_from_train(project, 20)
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg")
    env.pop("MLFLOW_TRACKING_URI", None)
    lock = project.path / "data/06_models/retraining.lock"
    try:
        with lock.open("a") as held:  # another retraining is promoting: ours must wait
            fcntl.flock(held, fcntl.LOCK_EX)
            worker = subprocess.Popen(
                [str(KEDRO), "run", "--env", "test", *ARGS],
                cwd=project.path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            v3 = _wait_for_version(client, "3", worker)  # trained and registered, not compared
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(30)
    finally:
        incoming.unlink()
    assert worker.returncode == -signal.SIGKILL
    assert v3.tags["incoming_samples"] == "20"  # the new data went into the challenger
    assert champion(client) == before
    assert len(audit(project)) == rows_before
    assert "test_acc" not in v3.tags  # never evaluated, never promoted

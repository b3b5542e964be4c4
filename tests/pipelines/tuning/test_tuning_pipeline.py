"""tuning end to end with --env test: outputs, the MLflow layout, and resuming the study."""

from __future__ import annotations

import json

import optuna
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow
STUDY = "cnn_mnist_5k"


@pytest.fixture(scope="module")
def tuned(kedro_project):
    """data_processing (run by the fixture), then a 3-trial study."""
    kedro_project.run("--pipelines", "tuning")
    client = MlflowClient(tracking_uri=kedro_project.tracking_uri)
    experiment = client.get_experiment_by_name("dl-lab/tuning")
    return kedro_project, client, experiment.experiment_id


def runs(client, experiment, query=""):
    return client.search_runs([experiment], query, order_by=["attributes.start_time ASC"])


def test_outputs_best_params_and_test_once(tuned):
    project, _, _ = tuned
    report = project.path / "data/08_reporting/tuning"
    trials = pd.read_csv(report / "trials.csv")
    assert len(trials) == 3 and set(trials["state"]) <= {"COMPLETE", "PRUNED"}
    best = yaml.safe_load((project.path / "data/06_models/tuning/best_params.yml").read_text())
    complete = trials[trials["state"] == "COMPLETE"]
    assert best["val_acc"] == pytest.approx(complete["value"].max())
    assert best["variant"]["architecture"] == "tunable_cnn" and best["best_epoch"] == 1
    final = json.loads((report / "final_test_metrics.json").read_text())
    assert final["epochs"] == best["best_epoch"] and 0.1 < final["test_acc"] <= 1.0
    for plot in ("optimization_history", "param_importances", "intermediate_values"):
        assert (report / f"{plot}.png").stat().st_size > 1000, plot
    findings = pd.read_csv(project.path / "data/08_reporting/findings/tuning.csv")
    assert "1.10b-procedure" in set(findings["claim_id"])
    assert str(final["run_id"]) in findings.set_index("claim_id").loc["1.10b-procedure", "run_ids"]


def test_one_study_run_with_a_child_per_trial(tuned):
    _, client, experiment = tuned
    (study,) = runs(
        client, experiment, f"tags.study = '{STUDY}' and attributes.run_name = '{STUDY}__study'"
    )
    trials = runs(client, experiment, f"tags.mlflow.parentRunId = '{study.info.run_id}'")
    assert [r.info.run_name for r in trials] == [f"{STUDY}__trial{n:03d}" for n in range(3)]
    assert all(r.data.tags["trial_state"] in {"COMPLETE", "PRUNED"} for r in trials)
    assert all("intermediate_value" in r.data.metrics for r in trials)
    assert (
        study.data.params["sampler.name"] == "tpe"
        and study.data.metrics["trials_this_session"] == 3
    )
    (kedro_run,) = runs(client, experiment, "tags.kedro_command LIKE '%tuning%'")
    assert study.data.tags["mlflow.parentRunId"] == kedro_run.info.run_id
    assert kedro_run.data.tags["study_run_id"] == study.info.run_id
    (final,) = runs(client, experiment, f"attributes.run_name = '{STUDY}__best_retrained'")
    assert final.data.tags["mlflow.parentRunId"] == kedro_run.info.run_id
    assert "test_acc" in final.data.metrics
    assert "val_acc" not in final.data.metrics  # trained on train+val: nothing to validate on


def test_rerun_with_a_larger_total_runs_only_the_missing_trials(tuned):
    project, client, experiment = tuned
    project.run("--pipelines", "tuning", "--params", "tuning.n_trials=5")
    storage = f"sqlite:///{project.path / 'data/06_models/optuna.db'}"
    assert len(optuna.load_study(study_name=STUDY, storage=storage).trials) == 5
    assert len(pd.read_csv(project.path / "data/08_reporting/tuning/trials.csv")) == 5
    (study,) = runs(client, experiment, f"attributes.run_name = '{STUDY}__study'")
    trials = runs(client, experiment, f"tags.mlflow.parentRunId = '{study.info.run_id}'")
    assert len(trials) == 5  # the two new trials joined the same study run
    assert study.data.metrics["trials_this_session"] == 2

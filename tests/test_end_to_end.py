"""The foundation as a user sees it: `kedro run --env test`, then the runs in MLflow."""

from __future__ import annotations

import json

import mlflow
import mlflow.pytorch
import pytest
import torch
from mlflow.tracking import MlflowClient

from dl_lab.evaluation.fit import LABELS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lenet_run(kedro_project):
    """data_processing (run by the fixture) then the baseline LeNet-5 variant of vision."""
    kedro_project.run("--pipelines", "vision", "--namespaces", "baseline")
    client = MlflowClient(tracking_uri=kedro_project.tracking_uri)
    experiment = client.get_experiment_by_name("dl-lab/vision")
    assert experiment is not None, "kedro run --pipelines vision made no dl-lab/vision experiment"
    return kedro_project, client, experiment


def test_child_run_has_params_metrics_tags(lenet_run):
    project, client, experiment = lenet_run
    runs = client.search_runs([experiment.experiment_id], "tags.study = 'baseline'")
    names = sorted(r.info.run_name for r in runs)
    assert names == [f"baseline__lenet5__seed{seed}" for seed in range(5)]  # conf/base's seeds
    assert {r.info.status for r in runs} == {"FINISHED"}
    (run,) = [r for r in runs if r.info.run_name == "baseline__lenet5__seed0"]
    manifest = json.loads((project.path / "data/05_model_input/data_manifest.json").read_text())
    tags = run.data.tags
    assert tags["architecture"] == "lenet5"
    assert tags["seed"] == "0"
    assert tags["dataset"] == "mnist_5k"
    assert tags["data_fingerprint"] == manifest["fingerprint"]
    assert tags["mlflow.parentRunId"], "the variant run is not nested under the kedro run"
    assert tags["fit_diagnosis"] in LABELS and tags["fit_evidence"]
    assert run.data.params["variant.architecture"] == "lenet5"
    assert run.data.params["trainer.max_epochs"] == "2"
    for key in ("test_acc", "test_f1_macro", "best_val_acc", "params", "flops", "wall_time_s"):
        assert key in run.data.metrics, key
    assert run.data.metrics["params"] == 61750  # LeNet-5 with batch norm
    assert 0.1 < run.data.metrics["test_acc"] <= 1.0  # 2 epochs on 800 images: above chance
    assert (
        len(client.get_metric_history(run.info.run_id, "val_loss"))
        == run.data.metrics["epochs_run"]
    )


def test_child_run_has_artifacts_and_model(lenet_run):
    project, client, experiment = lenet_run
    runs = client.search_runs([experiment.experiment_id], "tags.study = 'baseline'")
    run = runs[0]
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"learning_curves.png", "confusion_matrix.png", "checkpoints"} <= artifacts
    models = client.search_logged_models([experiment.experiment_id])
    assert sorted(m.source_run_id for m in models) == sorted(r.info.run_id for r in runs)
    mlflow.set_tracking_uri(project.tracking_uri)
    info = mlflow.models.get_model_info(models[0].model_uri)
    assert info.signature.inputs.to_dict()[0]["tensor-spec"]["shape"] == (-1, 1, 28, 28)
    model = mlflow.pytorch.load_model(models[0].model_uri)
    images = torch.rand(3, 1, 28, 28)
    assert model(images).shape == (3, 10)


def test_parent_run_is_tagged(lenet_run):
    project, client, experiment = lenet_run
    parents = client.search_runs([experiment.experiment_id], "tags.kedro_command LIKE '%vision%'")
    assert len(parents) == 1
    tags = parents[0].data.tags
    assert tags["seed"] == "42"  # the project's seed (conf/base/parameters.yml), not a variant's
    assert len(tags["git_sha"]) >= 7
    assert tags["version.torch"].startswith("2.14")
    assert tags["data_fingerprint"]


def test_data_processing_run_logged_balance(kedro_project):
    client = MlflowClient(tracking_uri=kedro_project.tracking_uri)
    experiment = client.get_experiment_by_name("dl-lab/data_processing")
    run = client.search_runs([experiment.experiment_id])[0]
    assert run.data.metrics["class_balance_max_deviation"] < 0.01
    assert {a.path for a in client.list_artifacts(run.info.run_id)} >= {
        "class_balance.csv",
        "class_balance.png",
    }


def test_a_plain_kedro_run_runs_every_pipeline_and_files_each_runs_in_its_experiment(
    project_copy,
):
    """What `make run` does, at test sizes: the whole tour, the report last, every run
    FINISHED in its pipeline's experiment and linked to the one `kedro run`."""
    project = project_copy("tour")
    project.run()
    report = project.path / "data/08_reporting/report.html"
    assert report.stat().st_size > 10_000
    findings = {p.stem for p in (project.path / "data/08_reporting/findings").glob("*.csv")}
    assert {"vision", "diagnostics", "fundamentals", "rl", "tuning"} <= findings
    client = MlflowClient(project.tracking_uri)
    (parent,) = client.search_runs([client.get_experiment_by_name("dl-lab/default").experiment_id])
    for pipeline in ("vision", "diagnostics", "rl", "tuning"):
        experiment = client.get_experiment_by_name(f"dl-lab/{pipeline}")
        assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
        runs = client.search_runs([experiment.experiment_id])
        assert runs and {r.info.status for r in runs} == {"FINISHED"}
        tops = [r for r in runs if r.data.tags.get("kedro_run_id")]
        assert tops and {r.data.tags["kedro_run_id"] for r in tops} == {parent.info.run_id}

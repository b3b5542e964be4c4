"""diagnostics end to end with --env test: files in data/08_reporting and runs in MLflow."""

from __future__ import annotations

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from dl_lab.course.findings import split_list
from dl_lab.course.questions import load_course
from dl_lab.course.rules import VERDICTS
from dl_lab.evaluation.fit import LABELS
from dl_lab.pipelines.diagnostics import create_pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(kedro_project):
    """The session's project copy (data_processing already run), then diagnostics."""
    project = kedro_project
    project.run("--pipelines", "diagnostics")
    client = MlflowClient(tracking_uri=project.tracking_uri)
    experiment = client.get_experiment_by_name("dl-lab/diagnostics")
    assert experiment is not None
    return project, client, experiment


def _table(project, name: str) -> pd.DataFrame:
    return pd.read_csv(project.path / f"data/08_reporting/diagnostics/{name}.csv")


def _expected_files() -> set[str]:
    names = {o for node in create_pipeline().nodes for o in node.outputs}
    files = {f"{n[5:-6]}.csv" for n in names if n.endswith("_table")}
    return files | {f"{n[5:-5]}.png" for n in names if n.endswith("_plot")}


def test_every_table_and_figure_in_reporting_and_mlflow(run):
    project, client, experiment = run
    folder = project.path / "data/08_reporting/diagnostics"
    expected = _expected_files()
    assert len(expected) > 50
    assert {p.name for p in folder.iterdir()} >= expected
    parent = client.search_runs(
        [experiment.experiment_id], "tags.kedro_command LIKE '%diagnostics%'"
    )
    assert len(parent) == 1
    logged = {
        a.path.split("/")[-1] for a in client.list_artifacts(parent[0].info.run_id, "diagnostics")
    }
    assert logged >= expected
    metrics = parent[0].data.metrics
    assert metrics["lr_sweep_sgd_largest_diverged"] == 1.0
    assert metrics["grad_ratio_log10_sigmoid"] < -2  # >= 100x smaller first-layer gradient


def test_tracked_runs_carry_the_fit_diagnosis_tag(run, parameters):
    _, client, experiment = run
    children = client.search_runs([experiment.experiment_id], "tags.study = 'fit_diagnosis'")
    assert {r.info.run_name for r in children} == {
        f"fit_diagnosis__{name}__seed{seed}" for seed in parameters()["diagnostics"]["replicates"]["seeds"]
        for name in ("tiny_model", "big_model_little_data")
    }  # fmt: skip
    for child in children:
        assert child.data.tags["fit_diagnosis"] in LABELS
        assert "train_acc" in child.data.tags["fit_evidence"]


def test_acceptance_outcomes(run):
    project, _, _ = run
    lr = _table(project, "lr_sweep")
    largest = lr.loc[lr.groupby("optimizer")["lr"].idxmax()]
    assert (largest["outcome"] == "diverged").all()
    flow = _table(project, "gradient_flow").set_index(["seed", "case"])
    findings = _table(project, "gradient_findings")
    for seed, answers in findings.groupby("seed"):  # one set of questions per seed
        vanishing = flow.loc[(seed, "sigmoid"), "first_last_ratio_init"] <= 1e-2
        assert answers["answer"].iloc[0] == ("yes" if vanishing else "no")
        assert set(answers["answer"]) <= {"yes", "no"} and len(answers) == 5
    sizes = _table(project, "conv_sizes")
    assert set(sizes["outcome"]) <= {"equal", "both_refuse", "formula_refuses"}
    stopping = _table(project, "early_stopping").set_index("source")
    assert stopping.iloc[0][["best_epoch", "stop_epoch"]].tolist() == [3, 6]
    assert stopping.iloc[1][["best_epoch", "restored_weights_epoch", "stop_epoch"]].tolist() == [
        3,
        3,
        6,
    ]
    summary = _table(project, "fit_diagnoses")
    assert set(summary["fit_diagnosis"]) <= set(LABELS)
    assert {"fit_tracked", "lr_sweep", "activations", "capacity"} <= set(summary["experiment"])


def test_the_course_claims_are_answered_with_evidence_on_disk(run):
    project, client, experiment = run
    reporting = project.path / "data/08_reporting"
    findings = pd.read_csv(reporting / "findings/diagnostics.csv", keep_default_na=False)
    course = load_course()
    assert set(findings["verdict"]) <= set(VERDICTS)
    assert all(course.claim(claim).id == claim for claim in findings["claim_id"])
    for cell in findings["evidence"]:
        assert split_list(cell) and all((reporting / path).is_file() for path in split_list(cell))
    verdicts = dict(zip(findings["claim_id"], findings["verdict"], strict=True))
    for exact in ("1.16-best-epoch", "1.16-stop-epoch", "2.17-confident-wrong", "3.4-floor"):
        assert verdicts[exact] == "reproduced", exact  # arithmetic: the same on any data
    children = client.search_runs([experiment.experiment_id], "tags.study = 'fit_diagnosis'")
    tracked = {r.info.run_id for r in children}
    cited = {run for cell in findings["run_ids"] for run in split_list(cell)}
    assert cited and cited <= tracked

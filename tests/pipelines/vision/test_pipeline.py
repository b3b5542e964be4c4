"""`kedro run --pipelines vision --env test` as a user runs it: files, MLflow runs, errors."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow

STUDY = "baseline"  # one variant, one seed: a study's node trains every run of it

# A two-study copy of the real configuration, small enough to run whole in a test.
TINY = {
    "vision": {
        "studies": {
            "regs": {
                "mlp_none": {"architecture": "mlp", "model": {"depth": 1, "width": 32}},
                "mlp_l1": {
                    "architecture": "mlp",
                    "model": {"depth": 1, "width": 32},
                    "regularizers": {"l1": {"strength": 1e-4}},
                },
                "mlp_l2": {
                    "architecture": "mlp",
                    "model": {"depth": 1, "width": 32},
                    "regularizers": {"l2": {"strength": 1e-3}},
                },
            },
            "pair": {
                "shallow": {"architecture": "mlp", "model": {"depth": 1}, "seeds": [0, 1]},
                "deep": {"architecture": "mlp", "model": {"depth": 4}, "seeds": [0, 1]},
            },
        },
        "report": {
            "regularizer_study": "regs",
            "cost_studies": ["pair"],
            "paired_tests": [{"study": "pair", "baseline": "shallow", "candidate": "deep"}],
        },
        "findings": {  # the findings block names variants of these two studies only
            "mnist_mlp": {"study": "regs", "variant": "mlp_none"},
            "shallow_vs_deep": {"study": "pair", "shallow": "shallow", "deep": "deep"},
            "depth_pairs": [{"study": "pair", "shallow": "shallow", "deep": "deep"}],
            "residual_pair": None,
            "tradeoff": None,
        },
    }
}


def _experiment(client: MlflowClient):
    experiment = client.get_experiment_by_name("dl-lab/vision")
    assert experiment is not None, "kedro run --pipelines vision made no dl-lab/vision experiment"
    return experiment.experiment_id


@pytest.fixture
def project(kedro_project, fresh_project):
    """A project of our own with data_processing's outputs (the shared one stays clean)."""
    for name in ("model_input.pt", "augmentation_spec.json", "data_manifest.json"):
        source = kedro_project.path / "data/05_model_input" / name
        shutil.copy(source, fresh_project.path / "data/05_model_input" / name)
    return fresh_project


@pytest.fixture
def one_variant(project):
    project.run("--pipelines", "vision", "--namespaces", STUDY)
    return project, MlflowClient(tracking_uri=project.tracking_uri)


def test_one_study_runs_end_to_end(one_variant):
    project, client = one_variant
    runs = client.search_runs(
        [_experiment(client)], "tags.study = 'baseline' and tags.variant = 'lenet5'"
    )
    names = sorted(r.info.run_name for r in runs)
    assert names == [f"baseline__lenet5__seed{seed}" for seed in range(5)]  # conf/base's seeds
    (run,) = [r for r in runs if r.info.run_name == "baseline__lenet5__seed0"]
    assert {r.info.status for r in runs} == {"FINISHED"}
    tags = run.data.tags
    assert (tags["architecture"], tags["seed"]) == ("lenet5", "0")
    assert tags["mlflow.parentRunId"]
    metrics = run.data.metrics
    for key in ("test_acc", "train_val_gap_eval", "near_zero_fraction", "flops", "params"):
        assert key in metrics, key
    assert metrics["epochs_run"] == 2  # conf/test
    assert run.data.params["variant.architecture"] == "lenet5"
    folder = project.path / "data/07_model_output/vision/baseline/lenet5/seed0"
    evaluation = json.loads((folder / "eval_metrics.json").read_text())
    assert evaluation["train_val_gap_eval"] == pytest.approx(
        evaluation["train_acc_eval"] - evaluation["val_acc_eval"]
    )
    histogram = pd.read_csv(folder / "weight_histogram.csv")
    assert 0 < histogram["count"].sum() < metrics["params"]  # weights, not biases
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"learning_curves.png", "confusion_matrix.png", "checkpoints"} <= artifacts


def test_bad_parameters_fail_before_any_training(project):
    done = project.run(
        "--pipelines",
        "vision",
        "--namespaces",
        "regularizers",
        "--params",
        "vision.studies.regularizers.mlp_dropout.regularizers.dropout.p=1.5",
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "vision.studies.regularizers" in output and "mlp_dropout" in output
    assert "regularizers.dropout.p: Input should be less than 1" in output
    folder = project.path / "data/07_model_output/vision/regularizers/mlp_dropout"
    assert not folder.exists()  # nothing trained
    client = MlflowClient(tracking_uri=project.tracking_uri)
    for experiment in client.search_experiments():
        assert not client.search_runs([experiment.experiment_id], "tags.variant = 'mlp_dropout'")


@pytest.fixture
def tiny_study(project):
    base = project.path / "conf/base/parameters_vision.yml"
    config = yaml.safe_load(base.read_text())
    config["vision"]["studies"] = TINY["vision"]["studies"]
    config["vision"]["report"].update(TINY["vision"]["report"])
    config["vision"]["findings"].update(TINY["vision"]["findings"])
    base.write_text(yaml.safe_dump(config))
    (project.path / "conf/test/parameters_vision.yml").write_text(
        yaml.safe_dump({"vision": {"trainer": {"max_epochs": 2}}})
    )
    project.run("--pipelines", "vision")
    return project, MlflowClient(tracking_uri=project.tracking_uri)


def test_whole_study_writes_the_comparison_and_one_child_run_per_variant(tiny_study):
    project, client = tiny_study
    experiment = _experiment(client)
    children = client.search_runs([experiment], "tags.pipeline = 'vision'")
    assert sorted(r.info.run_name for r in children) == sorted(
        [f"regs__{v}__seed42" for v in ("mlp_none", "mlp_l1", "mlp_l2")]
        + [f"pair__{v}__seed{s}" for v in ("shallow", "deep") for s in (0, 1)]
    )
    l1_runs = client.search_runs([experiment], "tags.regularizer = 'l1'")
    assert [r.data.tags["variant"] for r in l1_runs] == ["mlp_l1"]
    reporting = project.path / "data/08_reporting/vision"
    table = pd.read_csv(reporting / "comparison.csv")
    assert len(table) == 7
    for column in (
        "variant", "architecture", "regularizer", "seed", "params", "flops", "epoch_time_s",
        "epochs_run", "best_val_acc", "test_acc", "train_val_gap_eval", "peak_memory_mb",
    ):  # fmt: skip
        assert table[column].notna().all(), column
    paired = pd.read_csv(reporting / "paired_tests.csv")
    assert paired.loc[0, "n"] == 2 and {"t_pvalue", "wilcoxon_pvalue", "cohens_d"} <= set(paired)
    summary = pd.read_csv(reporting / "summary.csv")
    assert summary.set_index("variant").loc["deep", "n_seeds"] == 2
    for figure in (
        "accuracy_vs_cost", "learning_curves", "seed_boxplots", "weight_histograms_plot",
        "gap_per_regularizer",
    ):  # fmt: skip
        assert (reporting / f"{figure}.png").stat().st_size > 0, figure
    (parent,) = client.search_runs([experiment], "tags.kedro_command LIKE '%vision%'")
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"comparison.csv", "paired_tests.csv", "weight_histograms_plot.png"} <= artifacts
    assert "vision_metrics.pair.deep_vs_shallow.mean_diff" in parent.data.metrics
    findings = pd.read_csv(project.path / "data/08_reporting/findings/vision.csv")
    assert set(findings["verdict"]) <= {"reproduced", "not_reproduced", "partly", "inconclusive"}
    rows = findings.set_index("claim_id")
    for claim in (
        "1.4-gap-shrinks",
        "1.12-l1-sparse",
        "1.18-deep-better",
        "1.24-depth",
        "3.18-params",
    ):
        assert claim in rows.index, claim
    deep = rows.loc["1.18-deep-better"]
    assert "over 2 seeds" in deep["measured"] and "paired t p=" in deep["measured"]
    pair_runs = {r.info.run_id for r in children if r.data.tags["study"] == "pair"}
    assert set(deep["run_ids"].split(" | ")) == pair_runs
    for cell in findings["evidence"].dropna():  # every file it names was written
        for name in cell.split(" | "):
            assert (project.path / "data/08_reporting" / name).is_file(), name
    assert "vision.csv" in {a.path for a in client.list_artifacts(parent.info.run_id)}

"""tuning on an in-memory catalog: a 2-trial study on synthetic data, its best retrained."""

from __future__ import annotations

import optuna
import pytest
from matplotlib.figure import Figure

from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.pipelines.tuning.pipeline import create_pipeline
from dl_lab.tuning.config import StorageConfig
from dl_lab.tuning.study import build_storage

DATA = synthetic_bundle(sizes=(96, 48, 48), classes=3)
STUDY = "slice_study"


@pytest.fixture
def store(scratch, tracked):
    return tracked


def study_params(folder, n_trials: int) -> dict:
    storage = {"url": f"journal:{folder}/study.log"}
    return {"tuning": {"study_name": STUDY, "n_trials": n_trials, "storage": storage}}


def run_in_steps(run_slice, params: dict) -> dict:
    """The whole pipeline, node by node, so that the tables its later nodes read stay in view."""
    pipeline = create_pipeline()
    study = run_slice(pipeline.only_nodes("optimize_study"), {"model_input": DATA}, params=params)
    best = {"tuning_best_params": study["tuning_best_params"]}
    final = run_slice(
        pipeline.only_nodes("retrain_best_config"), {"model_input": DATA, **best}, params=params
    )
    rest = pipeline.only_nodes("plot_study", "report_tuning_findings")
    tables = {**study, **final}
    out = run_slice(
        rest, {name: tables[name] for name in rest.inputs() if name in tables}, params=params
    )
    return {**tables, **out}


def runs(client, experiment, query: str):
    """Runs of the scratch store, wherever tracking files them (the study's child runs may go
    to the pipeline's own experiment)."""
    experiments = {experiment} | {e.experiment_id for e in client.search_experiments()}
    return client.search_runs(sorted(experiments), query, order_by=["attributes.start_time ASC"])


def test_study_then_best_retrained_and_tested_once(run_slice, scratch, store):
    client, experiment = store
    out = run_in_steps(run_slice, study_params(scratch, 2))
    storage = build_storage(StorageConfig(url=f"journal:{scratch}/study.log"))
    study = optuna.load_study(study_name=STUDY, storage=storage)
    assert len(study.trials) == 2
    summary = out["tuning_final_summary"]
    assert summary["val_acc_of_best_trial"] == study.best_value
    assert summary["epochs"] == study.best_trial.user_attrs["best_epoch"]
    assert 0.0 <= summary["test_acc"] <= 1.0
    metrics = out["tuning_metrics"]
    assert metrics["final_test_acc"] == {"value": summary["test_acc"], "step": 0}
    assert metrics["best_val_acc"]["value"] == study.best_value
    assert out["tuning_best_model"]["variant"]["architecture"] == "tunable_cnn"
    assert all(
        isinstance(out[name], Figure)
        for name in (
            "tuning_optimization_history_plot",
            "tuning_param_importances_plot",
            "tuning_intermediate_values_plot",
            "tuning_final_confusion_plot",
        )
    )
    (parent,) = runs(client, experiment, f"attributes.run_name = '{STUDY}__study'")
    assert parent.data.tags["pipeline"] == "tuning" and parent.data.tags["variant"] == "study"
    assert parent.data.tags["data_fingerprint"] == DATA.fingerprint
    trials = runs(client, experiment, f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert [r.info.run_name for r in trials] == [f"{STUDY}__trial000", f"{STUDY}__trial001"]
    assert [r.data.tags["trial_number"] for r in trials] == ["0", "1"]
    (final,) = runs(client, experiment, f"attributes.run_name = '{STUDY}__best_retrained'")
    assert final.data.tags["trial_number"] == str(study.best_trial.number)
    assert final.data.metrics["test_acc"] == summary["test_acc"]
    assert "val_acc" not in final.data.metrics  # trained on train+val: nothing to validate on
    findings = out["tuning_findings"].set_index("claim_id")
    assert "1.10b-procedure" in findings.index  # 2 trials: too few to compare any groups
    assert summary["run_id"] in findings.loc["1.10b-procedure", "run_ids"]


def test_a_larger_total_runs_only_the_missing_trial(run_slice, scratch, store):
    client, experiment = store
    study_only = create_pipeline().only_nodes("optimize_study")
    run_slice(study_only, {"model_input": DATA}, params=study_params(scratch, 2))
    out = run_slice(study_only, {"model_input": DATA}, params=study_params(scratch, 3))
    assert out["tuning_trials"]["number"].tolist() == [0, 1, 2]
    (parent,) = runs(client, experiment, f"attributes.run_name = '{STUDY}__study'")
    assert parent.data.metrics["trials_this_session"] == 1
    trials = runs(client, experiment, f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert len(trials) == 3  # the new trial joined the same study run

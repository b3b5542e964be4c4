"""retraining on an in-memory catalog: a challenger trained on synthetic data, registered,
promoted as the first champion, and a rerun judged by the margin."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.pipelines.retraining.pipeline import create_pipeline

DATA = synthetic_bundle(sizes=(96, 48, 48), classes=3)
MODEL = "retrain-slice"
NO_FILES = {"images": None, "labels": None, "names": [], "path": "incoming"}


@pytest.fixture
def store(scratch, tracked):
    return tracked


def retrain(run_slice, incoming=NO_FILES, best_params=None) -> dict:
    inputs = {"model_input": DATA, "incoming_images": incoming, "tuning_best_params": best_params}
    return run_slice(create_pipeline(), inputs, params={"retraining": {"model_name": MODEL}})


def test_first_challenger_is_promoted_then_a_tie_keeps_the_champion(run_slice, scratch, store):
    client, _ = store
    first = retrain(run_slice)["retraining_decision"]
    assert (first["challenger_version"], first["promoted"], first["champion_after"]) == (
        "1",
        True,
        "1",
    )
    assert first["config_source"] == "parameters" and first["incoming_samples"] == 0
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"
    challenger = client.get_run(first["run_id"])
    tags = challenger.data.tags
    assert challenger.info.run_name == f"retraining__{MODEL}__seed42"
    assert (tags["pipeline"], tags["role"], tags["architecture"]) == (
        "retraining",
        "challenger",
        "tunable_cnn",
    )
    assert tags["data_fingerprint"] == DATA.fingerprint and tags["decision"] == "promoted"
    v1 = client.get_model_version(MODEL, "1")
    assert float(v1.tags["test_acc"]) == first["challenger_value"]

    out = retrain(run_slice)  # the same configuration and seed: the same model, no gain
    second = out["retraining_decision"]
    assert (second["challenger_version"], second["champion_version"]) == ("2", "1")
    assert second["challenger_value"] == second["champion_value"]
    assert not second["promoted"] and second["champion_after"] == "1"
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"
    assert out["retraining_metrics"]["promoted"] == {"value": 0.0, "step": 0}
    with (scratch / "data/08_reporting/retraining/audit.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["challenger_version"], r["promoted"]) for r in rows] == [
        ("1", "True"),
        ("2", "False"),
    ]


def test_incoming_images_and_the_study_config_reach_the_challenger(run_slice, scratch, store):
    client, _ = store
    images = np.rint(DATA.x_val[:6].numpy() * 255.0)  # new images, in raw pixel units
    incoming = {"images": images, "labels": DATA.y_val[:6].numpy(), "names": ["new.npz#0"] * 6}
    best = {
        "study": "s",
        "trial": 3,
        "batch_size": 32,
        "variant": {
            "architecture": "tunable_cnn",
            "model": {"conv_layers": 1, "filters": 4, "dense_units": 8, "dropout": 0.0},
            "optimizer": {"name": "adam", "lr": 0.01},
        },
    }
    decision = retrain(run_slice, {**incoming, "path": "incoming"}, best)["retraining_decision"]
    assert decision["config_source"] == "study:s#trial3" and decision["incoming_samples"] == 6
    run = client.get_run(decision["run_id"])
    assert run.data.params["trainer.batch_size"] == "32"
    assert client.get_model_version(MODEL, "1").tags["incoming_samples"] == "6"

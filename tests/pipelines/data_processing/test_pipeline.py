"""data_processing end to end with --env test: what it leaves on disk."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

pytestmark = pytest.mark.slow


def test_outputs_cover_data_without_leakage(kedro_project):
    data = kedro_project.path / "data"
    split = pd.read_csv(data / "03_primary/split_indices.csv")
    assert len(split) == 1000 and split["index"].is_unique
    assert split["split"].value_counts(normalize=True).round(2).to_dict() == {
        "train": 0.8,
        "val": 0.1,
        "test": 0.1,
    }
    bundle = torch.load(data / "05_model_input/model_input.pt", weights_only=True)
    assert bundle["x_train"].shape[1:] == (1, 28, 28)
    assert 0.0 <= float(bundle["x_train"].min()) and float(bundle["x_train"].max()) <= 1.0
    train_mean = bundle["x_train"].mean().item()
    assert bundle["mean"].item() == pytest.approx(train_mean, abs=1e-5)  # train statistics only
    manifest = json.loads((data / "05_model_input/data_manifest.json").read_text())
    assert manifest["sizes"] == {"train": 800, "val": 100, "test": 100}
    balance = pd.read_csv(data / "08_reporting/class_balance.csv")
    assert set(balance["split"]) == {"train", "val", "test"}
    assert (data / "08_reporting/class_balance.png").stat().st_size > 1000
    findings = pd.read_csv(data / "08_reporting/findings/data_processing.csv")
    assert set(findings["claim_id"]) == {
        "1.11-ratios",
        "1.11-stratified",
        "1.15-split",
        "3.13-transforms",
    }
    assert set(findings["pipeline"]) == {"data_processing"}


def test_rerun_gives_same_fingerprint(kedro_project):
    manifest = kedro_project.path / "data/05_model_input/data_manifest.json"
    before = json.loads(manifest.read_text())["fingerprint"]
    kedro_project.run("--pipelines", "data_processing")
    assert json.loads(manifest.read_text())["fingerprint"] == before


def test_bad_ratios_fail_before_any_node(fresh_project):
    (fresh_project.path / "conf/local/parameters.yml").write_text(
        "data_processing:\n  split:\n    ratios: [0.7, 0.2, 0.2]\n"
    )
    done = fresh_project.run("--pipelines", "data_processing", env="local", check=False)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "sum to 1" in output
    assert not (fresh_project.path / "data/03_primary/split_indices.csv").exists()

"""The pipeline registry: the names users type, and a clear error for one that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project

from dl_lab.pipeline_registry import NOT_IN_DEFAULT, available_pipelines

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project():
    bootstrap_project(ROOT)
    yield pipelines
    pipelines.set_requested(None)


def test_the_design_pipeline_names_are_registered():
    assert {"data_processing", "vision", "tuning", "retraining", "inference"} <= set(
        available_pipelines()
    )
    assert {"diagnostics", "fundamentals", "rl"} <= set(available_pipelines())


def test_an_unknown_pipeline_name_lists_the_available_ones(project):
    project.set_requested(["visoin"])
    with pytest.raises(ValueError, match="no such pipeline; available: data_processing, .*vision"):
        project["visoin"]


def test_default_is_every_pipeline_but_retraining_and_inference(project):
    project.set_requested(["fundamentals", "inference"])
    default = project["__default__"]
    assert set(default.nodes) == set(project["fundamentals"].nodes)
    assert all(name in available_pipelines() for name in NOT_IN_DEFAULT)

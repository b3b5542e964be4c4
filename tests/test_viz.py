"""kedro-viz: `kedro viz build` makes the static graph, with each study as a collapsible
namespace holding its variants and seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dl_lab.pipelines._kit import studies

KEDRO = Path(sys.executable).with_name("kedro")
pytestmark = pytest.mark.slow


def test_viz_build_collapses_namespaces_per_study(fresh_project):
    environ = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
    done = subprocess.run(
        [str(KEDRO), "viz", "build"],
        cwd=fresh_project.path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    graph = json.loads((fresh_project.path / "build/api/main").read_text())
    namespaces = graph["modular_pipelines"]
    runs = studies("vision")
    for run in runs:
        assert run.namespace in namespaces  # study.variant.seed: nested, so each collapses
    for study in {run.study for run in runs}:
        children = {
            c["id"] for c in namespaces[study]["children"] if c["type"] == "modularPipeline"
        }
        assert {f"{r.study}.{r.variant}" for r in runs if r.study == study} <= children
    assert "fundamentals" in namespaces

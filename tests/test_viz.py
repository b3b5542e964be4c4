"""kedro-viz: `kedro viz build` makes the static graph, with each study as a collapsible
namespace holding its training node and the outputs of its variants and seeds."""

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
    tasks = {n["id"]: n for n in graph["nodes"] if n["type"] == "task"}
    for study in {run.study for run in runs}:
        # one collapsible namespace per study, holding its one training node and every
        # variant x seed's outputs
        children = [c["id"] for c in namespaces[study]["children"] if c["type"] == "task"]
        assert [tasks[c]["full_name"] for c in children] == [f"{study}.train_{study}"]
        n_runs = sum(1 for r in runs if r.study == study)
        assert len(namespaces[study]["outputs"]) >= n_runs, study
    assert "fundamentals" in namespaces

"""The same `kedro run --env test` twice gives the same numbers on the CPU.

Two fresh copies of the project run the same commands side by side; then every metric of
every MLflow run (matched by experiment and run name) and every findings table must be
equal, exactly. Wall-clock measurements are left out by one named rule (``wall_clock``):
they differ from run to run by nature.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

from dl_lab.tracking import experiment_name

KEDRO = Path(sys.executable).with_name("kedro")
# Every pipeline that trains or samples, at conf/test sizes; vision on two of its studies
# (augmentation with early stopping; a CNN with dropout over five seeds), without the
# comparison stage that needs all of them (a whole vision run would double the time).
COMMANDS = (
    ("--pipelines", "data_processing,fundamentals,diagnostics,rl,tuning"),
    ("--pipelines", "vision", "--namespaces", "baseline,shallow_vs_deep"),
)


def wall_clock(name: str) -> bool:
    """A timing or the process's measured memory: not a result, and never the same twice."""
    return "time" in name or name.endswith("_s") or "peak_memory" in name


# A finding that reports a duration ("0.31 s", "15.6 ms per epoch", "training time d2/d1")
# measured a wall clock: its claim is compared, not its measurement, reason or verdict.
DURATION = re.compile(r"\d ?m?s\b|\b(training|epoch|wall) time\b")
TIMED = ("measured", "reason", "verdict")


def timed(finding: pd.Series) -> bool:
    return bool(DURATION.search(f"{finding['measured']} {finding['reason']}"))


def _kedro_runs_side_by_side(projects, args: tuple[str, ...]) -> None:
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg", COLUMNS="200")
    env.pop("MLFLOW_TRACKING_URI", None)
    running = []
    for project in projects:
        log = (project.path / "kedro.log").open("a")
        command = [str(KEDRO), "run", "--env", "test", *args]
        running.append(
            (
                subprocess.Popen(
                    command, cwd=project.path, env=env, stdout=log, stderr=subprocess.STDOUT
                ),
                log,
            )
        )
    for process, log in running:
        process.wait(timeout=1500)
        log.close()
    for (process, _), project in zip(running, projects, strict=True):
        if process.returncode:
            output = (project.path / "kedro.log").read_text()[-6000:]
            pytest.fail(f"kedro run {' '.join(args)} failed in {project.path}:\n{output}")


@pytest.fixture(scope="module")
def twice(project_copy):
    projects = [project_copy(f"determinism_{n}") for n in (1, 2)]
    for args in COMMANDS:
        _kedro_runs_side_by_side(projects, args)
    return projects


def _metrics(project) -> dict[tuple[str, str], list]:
    """``(experiment, run name) -> [(status, {metric: value})]`` of every run, sorted."""
    client = MlflowClient(tracking_uri=project.tracking_uri)
    runs = defaultdict(list)
    for experiment in client.search_experiments():
        for run in client.search_runs(
            [experiment.experiment_id], run_view_type=ViewType.ALL, max_results=50_000
        ):
            values = {
                key: "nan" if math.isnan(value) else value
                for key, value in run.data.metrics.items()
                if not wall_clock(key)
            }
            runs[(experiment.name, run.info.run_name)].append((run.info.status, values))
    return {key: sorted(found, key=repr) for key, found in runs.items()}


def _findings(project) -> dict[str, pd.DataFrame]:
    folder = project.path / "data/08_reporting/findings"
    return {path.name: pd.read_csv(path) for path in sorted(folder.glob("*.csv"))}


@pytest.mark.slow
def test_every_metric_of_every_run_is_the_same_twice(twice):
    first, second = (_metrics(project) for project in twice)
    assert set(first) == set(second)
    experiments = {experiment for experiment, _ in first}
    assert {f"dl-lab/{name}" for name in ("vision", "rl", "tuning", "diagnostics")} <= experiments
    ((_, parent),) = first[
        (
            experiment_name(COMMANDS[0][1].split(",")),
            "data_processing+diagnostics+fundamentals+rl+tuning",
        )
    ]
    assert any(key.startswith("fundamentals.") for key in parent)  # logged into the parent run
    assert "class_balance_max_deviation" in parent  # data_processing's
    differing = {key: (first[key], second[key]) for key in first if first[key] != second[key]}
    assert not differing, "\n".join(f"{key}:\n  {a}\n  {b}" for key, (a, b) in differing.items())


@pytest.mark.slow
def test_every_findings_table_is_the_same_twice(twice):
    first, second = (_findings(project) for project in twice)
    # vision's findings need all its studies; its runs' metrics are compared above
    assert set(first) == {f"{name}.csv" for name in COMMANDS[0][1].split(",")}
    left_out = []
    for name, table in first.items():
        other = second[name]
        assert list(table.claim_id) == list(other.claim_id), name
        differing = []
        for index, row in table.iterrows():
            skip = {"run_ids", *(TIMED if timed(row) else ())}
            if timed(row):
                left_out.append(row.claim_id)
            differing += [
                (row.claim_id, column, row[column], other.loc[index, column])
                for column in table.columns
                if column not in skip and str(row[column]) != str(other.loc[index, column])
            ]
        assert not differing, f"{name}: " + "\n".join(map(str, differing))
    assert len(left_out) < 0.2 * sum(map(len, first.values())), left_out  # the rule is narrow


def test_several_pipelines_share_one_experiment_whatever_order_kedro_hands_them_in():
    assert (
        experiment_name(["tuning", "rl"]) == experiment_name(["rl", "tuning"]) == "dl-lab/rl+tuning"
    )
    assert experiment_name(["__default__"]) == experiment_name(None) == "dl-lab/default"

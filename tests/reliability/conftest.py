"""Bad input, run as a user runs dl-lab: ``kedro run --env case ...`` in a copy of the project.

A test marked ``@pytest.mark.kedro_case(*args, conf=..., prepare=..., template=...,
found_by_node=...)`` is one bad input (a ``Case``): the command's arguments; parameters
written into the copy's own conf environment ``case`` (conf/test plus these changes, so
``--params`` need not carry lists or blocks); and a change to the copy's files (a damaged
file, a missing one). Every case runs in its own copy of a prepared project
(``Templates``), and the selected cases of each test module run in one batch, two at a time
(``outcomes``): each ``kedro run`` spends most of its ~7 s of CPU importing, and the runs
are independent. The test then reads its ``outcome``.

Around each run, ``snapshot`` records every file under data/ (its SHA-256) and every row
of every table of mlflow.db, so a test can say that nothing saved before was changed.
``refused`` checks the whole contract of a refused run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import yaml

CASE_ENV = "case"  # the conf environment each case writes its parameters into
WORKERS = 2  # kedro runs at a time (the project's target machine has 2 cores)
MODEL_NAME = "dl-lab-digits-cnn"  # retraining.model_name = inference.model_name in conf/base


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kedro_case(*args, conf, prepare, template, found_by_node): the test reads the "
        "outcome of `kedro run --env case <args>` in a prepared copy of the project",
    )


@dataclass(frozen=True)
class Case:
    """One bad input: ``kedro run --env case <args>`` in a copy of ``template``.

    ``conf``: parameters merged over conf/test's into the copy's conf/case.
    ``prepare``: changes the copy before the run (``prepare(project_path)``).
    ``found_by_node``: the error can only be seen by a node (a file's content, a
    registry lookup); kedro-mlflow has then opened the run's parent run, which ends FAILED.
    """

    id: str
    args: tuple[str, ...]
    conf: Mapping[str, Any] = field(default_factory=dict)
    prepare: Callable[[Path], None] | None = None
    template: str = "processed"
    found_by_node: bool = False

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Snapshot:
    """What a project holds: data/ files by SHA-256, mlflow.db rows by table."""

    files: dict[str, str]
    rows: dict[str, Counter]
    columns: dict[str, tuple[str, ...]]


def snapshot(project: Path) -> Snapshot:
    """Every file under ``project``/data and every row of ``project``/mlflow.db."""
    data = project / "data"
    files = {
        path.relative_to(data).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(data.rglob("*"))
        if path.is_file()
    }
    rows: dict[str, Counter] = {}
    columns: dict[str, tuple[str, ...]] = {}
    store = project / "mlflow.db"
    if store.exists():
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            tables = [
                name
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for table in tables:
                cursor = db.execute(f'SELECT * FROM "{table}"')
                columns[table] = tuple(column[0] for column in cursor.description)
                rows[table] = Counter(cursor.fetchall())
        finally:
            db.close()
    return Snapshot(files, rows, columns)


@dataclass
class Outcome:
    """A case's ``kedro run``: exit status, output, and the project before and after."""

    case: Case
    returncode: int
    stdout: str
    stderr: str
    before: Snapshot
    after: Snapshot
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def changed_files(self) -> list[str]:
        """Files under data/ that the run added, removed or rewrote with other content."""
        before, after = self.before.files, self.after.files
        return sorted(
            path for path in set(before) | set(after) if before.get(path) != after.get(path)
        )

    def added_rows(self) -> dict[str, list[tuple]]:
        return _difference(self.after.rows, self.before.rows)

    def removed_rows(self) -> dict[str, list[tuple]]:
        return _difference(self.before.rows, self.after.rows)


def _difference(a: dict[str, Counter], b: dict[str, Counter]) -> dict[str, list[tuple]]:
    found = {table: list((rows - b.get(table, Counter())).elements()) for table, rows in a.items()}
    return {table: rows for table, rows in found.items() if rows}


def write_case_conf(project: Path, changes: Mapping[str, Any]) -> None:
    """conf/case = conf/test with ``changes`` merged in, key by key.

    An environment may not define a top-level key in two files, so each change goes into
    the file of conf/test that holds its key (or a file of its own).
    """
    conf = project / "conf"
    shutil.copytree(conf / "test", conf / CASE_ENV)
    files = {
        key: path
        for path in sorted((conf / CASE_ENV).glob("parameters*.yml"))
        for key in (yaml.safe_load(path.read_text()) or {})
    }
    for key, value in changes.items():
        path = files.get(key, conf / CASE_ENV / f"parameters_case_{key}.yml")
        content = yaml.safe_load(path.read_text()) if path.exists() else {}
        content = _merged(content or {}, {key: value})
        path.write_text(yaml.safe_dump(content, sort_keys=False))


def _merged(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def register_champion(project: Path) -> None:
    """An untrained CNN for the project's data, registered and aliased ``champion``.

    Inference checks its inputs against the champion's signature before it predicts, so
    the model need not be trained; it is logged into the project's own store.
    """
    import mlflow

    from dl_lab import tracking
    from dl_lab.data.bundle import ModelInput
    from dl_lab.training.config import VariantSpec
    from dl_lab.training.fit import inference_model
    from dl_lab.training.tasks import build_task_module

    state = torch.load(project / "data/05_model_input/model_input.pt", weights_only=True)
    data = ModelInput.from_state(state)
    variant = VariantSpec(architecture="tunable_cnn", model={"conv_layers": 1, "filters": 4})
    model = inference_model(build_task_module(data, variant, augmentation=None))
    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    try:
        experiment = mlflow.create_experiment(
            "dl-lab/retraining", artifact_location=(project / "mlruns").as_uri()
        )
        mlflow.set_experiment(experiment_id=experiment)
        identity = tracking.RunIdentity("retraining", "retraining", "champion", seed=0)
        with tracking.identified_run(identity, {}) as run_id:
            uri = tracking.log_torch_model(run_id, model, data.x_test[:4])
        version = tracking.register_model(uri, MODEL_NAME, {"test_acc": 0.1})
        tracking.set_model_alias(MODEL_NAME, "champion", version)
    finally:
        mlflow.set_tracking_uri(None)


class Templates:
    """Prepared projects, each built once, the first time a case asks for it.

    ``raw``: a copy with nothing run. ``processed``: data_processing has run (its data
    and its MLflow run exist). ``champion``: processed, plus a registered champion model.
    """

    def __init__(self, project_copy: Callable[[str], Any]) -> None:
        self._copy = project_copy
        self._built: dict[str, Path] = {}
        self.project: Callable[[Path], Any] | None = None  # the root conftest's KedroProject

    def __getitem__(self, name: str) -> Path:
        if name not in self._built:
            self._built[name] = getattr(self, f"_build_{name}")()
        return self._built[name]

    def _new(self, name: str) -> Any:
        project = self._copy(name)
        self.project = type(project)
        return project

    def _build_raw(self) -> Path:
        return self._new("template_raw").path

    def _build_processed(self) -> Path:
        project = self._new("template_processed")
        project.run("--pipelines", "data_processing")
        return project.path

    def _build_champion(self) -> Path:
        path = self._new("template_champion").path
        shutil.rmtree(path)
        shutil.copytree(self["processed"], path, symlinks=True)
        register_champion(path)
        return path


@pytest.fixture(scope="session")
def templates(project_copy) -> Templates:
    return Templates(project_copy)


def _case(item: pytest.Item) -> Case | None:
    marker = item.get_closest_marker("kedro_case")
    return None if marker is None else Case(item.nodeid, tuple(marker.args), **marker.kwargs)


def _selected_cases(session: pytest.Session, module: Any) -> list[Case]:
    """The cases of ``module``'s tests that this session runs (after -k / -m / node-id
    selection). One module's: under pytest-xdist every worker collects every test but runs
    only the files sent to it (``--dist loadfile``)."""
    items = [item for item in session.items if getattr(item, "module", None) is module]
    return [case for case in map(_case, items) if case is not None]


def run_case(case: Case, templates: Templates, where: Path) -> Outcome:
    """``case`` in a fresh copy of its template at ``where``, between two snapshots."""
    shutil.copytree(templates[case.template], where, symlinks=True)
    write_case_conf(where, case.conf)
    if case.prepare is not None:
        case.prepare(where)
    before = snapshot(where)
    start = time.monotonic()
    done = templates.project(where).run(*case.args, env=CASE_ENV, check=False)
    seconds = time.monotonic() - start
    return Outcome(
        case, done.returncode, done.stdout, done.stderr, before, snapshot(where), seconds
    )


@pytest.fixture(scope="module")
def outcomes(request, templates, tmp_path_factory) -> dict[str, Outcome]:
    """Every selected case's outcome in this test module, by case id; the cases run
    together, ``WORKERS`` at a time, the first time one of the module's tests asks."""
    cases = _selected_cases(request.session, request.module)
    for name in sorted({case.template for case in cases}):
        templates[name]  # built here, one at a time, before the runs share the CPU
    root = tmp_path_factory.mktemp("cases")
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {
            case.id: pool.submit(run_case, case, templates, root / case.id.rpartition("::")[2])
            for case in cases
        }
        done = {case_id: future.result() for case_id, future in futures.items()}
    summary = [
        {
            "case": o.case.id,
            "exit": o.returncode,
            "seconds": round(o.seconds, 1),
            "stderr": o.stderr[-2000:],
        }
        for o in done.values()
    ]
    (root / "summary.json").write_text(json.dumps(summary, indent=1))  # to read after a run
    return done


@pytest.fixture
def outcome(request, outcomes) -> Outcome:
    """The outcome of this test's ``kedro_case``."""
    return outcomes[request.node.nodeid]


@pytest.fixture
def refused(outcome) -> Callable[..., Outcome]:
    """``refused(*named)``: the run was refused as bad input, in one message naming each of
    ``named`` (the key or file, what is allowed), before any node ran or anything changed."""

    def check(*named: str) -> Outcome:
        assert_refused(outcome, *named)
        return outcome

    return check


def assert_refused(outcome: Outcome, *named: str) -> None:
    """The contract of a run refused for bad input.

    * exit status 2 and one message on stderr, ``Error: ...``, naming each of ``named``;
      no traceback anywhere in the output;
    * no file under data/ added, removed or changed;
    * mlflow.db unchanged, when the run was refused before its first node. When only a
      node can see the error (``found_by_node``), kedro-mlflow has opened the parent run
      of the ``kedro run``: that one run is added, FAILED, with no child run (nothing
      trained) and no metric, and every row that was there before is unchanged.
    """
    report = (
        f"exit status {outcome.returncode}\n--- stderr:\n{outcome.stderr[-4000:]}\n"
        f"--- stdout:\n{outcome.stdout[-4000:]}"
    )
    assert outcome.returncode == 2, report
    assert "Error: " in outcome.stderr, report
    message = outcome.stderr[outcome.stderr.index("Error: ") :].strip()
    assert len(message.splitlines()) <= 15, report
    assert "Traceback" not in outcome.output, report
    for text in named:
        assert text in message, f"{text!r} is not in the message:\n{message}"
    assert outcome.changed_files() == [], report
    assert outcome.removed_rows() == {}, report
    if not outcome.case.found_by_node:
        assert "Running node" not in outcome.stdout, report
        assert outcome.added_rows() == {}, report
    else:
        assert_one_failed_parent_run(outcome)


def assert_one_failed_parent_run(outcome: Outcome) -> None:
    added = outcome.added_rows()
    columns = outcome.after.columns
    runs = [dict(zip(columns["runs"], row, strict=True)) for row in added.get("runs", [])]
    assert [run["status"] for run in runs] == ["FAILED"], added
    (run_id,) = (run["run_uuid"] for run in runs)
    assert "metrics" not in added and "latest_metrics" not in added, added
    for table, rows in added.items():
        if table in ("runs", "experiments", "experiment_tags"):
            continue  # the run itself, and its pipeline's experiment if it is new
        assert "run_uuid" in columns[table], (table, rows)
        index = columns[table].index("run_uuid")
        assert {row[index] for row in rows} == {run_id}, (table, rows)


def write_corrupt_torch_file(path: Path) -> None:
    """``path`` cut to its first half, as a crash during a copy would leave it."""
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)

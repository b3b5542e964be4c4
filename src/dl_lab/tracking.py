"""The one module that talks to MLflow directly (DESIGN §5).

kedro-mlflow owns the parent run of each ``kedro run`` and everything the catalog can
log. What the catalog cannot do lives here: a nested child run per variant, the
Lightning logger bound to that child, models with signatures, the run tags, and marking
a run failed with a reason.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import mlflow
from lightning.pytorch.loggers import MLFlowLogger
from lightning.pytorch.utilities import rank_zero_only
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

from dl_lab import errors

PROJECT = "dl-lab"
KEY_PACKAGES = ("torch", "torchvision", "lightning", "kedro", "mlflow", "numpy", "scikit-learn")


def experiment_name(pipeline_names: list[str] | None) -> str:
    """One experiment per pipeline: ``dl-lab/vision``; a plain ``kedro run`` is ``dl-lab/default``.

    Several pipelines are named in sorted order (``dl-lab/rl+tuning``): Kedro's CLI hands
    them over in the order of a set of strings, which changes from process to process.
    """
    names = sorted(n for n in (pipeline_names or []) if n != "__default__")
    return f"{PROJECT}/{'+'.join(names) if names else 'default'}"


@dataclass(frozen=True)
class RunIdentity:
    """Who a run is: the one source of its name and its identity tags (DESIGN §5).

    ``name`` is ``{study}__{variant}__seed{n}``; ``tags()`` adds the git sha and any
    ``extra`` tags (architecture, regularizer, algorithm, ...) given with ``with_tags``.
    """

    pipeline: str
    study: str
    variant: str
    seed: int
    dataset: str | None = None
    data_fingerprint: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    split_sizes: Mapping[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.study}__{self.variant}__seed{self.seed}"

    def with_tags(self, **extra: Any) -> RunIdentity:
        """The same identity with more descriptive tags (later ones win)."""
        return replace(self, extra={**self.extra, **extra})

    def for_data(self, data: Any) -> RunIdentity:
        """The identity with the data set, fingerprint and split sizes of ``data`` (a
        ``ModelInput``): they are logged as the run's MLflow dataset input."""
        sizes = {name: len(y) for name, (_, y) in data.splits().items()}
        return replace(
            self, dataset=data.dataset, data_fingerprint=data.fingerprint, split_sizes=sizes
        )

    def tags(self) -> dict[str, str]:
        """Every tag of the run, as strings; unset fields are left out."""
        tags: dict[str, Any] = {
            "pipeline": self.pipeline,
            "study": self.study,
            "variant": self.variant,
            "seed": self.seed,
            "dataset": self.dataset,
            "data_fingerprint": self.data_fingerprint,
            "git_sha": git_sha(),
            **self.extra,
        }
        return {key: str(value) for key, value in tags.items() if value is not None}


def metric_values(values: Mapping[str, Any], step: int = 0) -> dict[str, dict[str, float]]:
    """``{name: number}`` -> what kedro-mlflow's metric datasets log: ``{name: {value, step}}``.

    Names are made MLflow-safe (other characters become ``_``); missing or non-finite values
    are left out, since a NaN cannot be compared in the UI.
    """
    return {
        re.sub(r"[^\w\-./: ]", "_", str(name)).replace(" ", "_"): {
            "value": float(value),
            "step": step,
        }
        for name, value in values.items()
        if value is not None and math.isfinite(float(value))
    }


def git_sha(cwd: Path | str = ".") -> str:
    """The checked-out commit, with ``-dirty`` if the tree has changes; ``unknown`` outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{sha}-dirty" if dirty else sha


def package_versions() -> dict[str, str]:
    """Versions of the packages whose behaviour the numbers depend on, as tags."""
    found = {}
    for name in KEY_PACKAGES:
        try:
            found[f"version.{name}"] = version(name)
        except PackageNotFoundError:
            found[f"version.{name}"] = "absent"
    return found


def flatten(params: Mapping[str, Any], prefix: str = "", sep: str = ".") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists become their JSON text."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{sep}{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, name, sep))
        elif isinstance(value, list | tuple):
            flat[name] = json.dumps(list(value))
        else:
            flat[name] = value
    return flat


def set_tags(tags: Mapping[str, Any]) -> None:
    """Tag the active run, if there is one."""
    if mlflow.active_run() is not None:
        mlflow.set_tags({k: str(v) for k, v in tags.items()})


@contextmanager
def identified_run(identity: RunIdentity, params: Mapping[str, Any]) -> Iterator[str]:
    """``child_run`` named and tagged by ``identity``, with its data as a dataset input."""
    with child_run(identity.name, identity.tags(), params) as run_id:
        if identity.dataset and identity.data_fingerprint:
            log_dataset_input(identity.dataset, identity.data_fingerprint, identity.split_sizes)
        yield run_id


def failed_run(identity: RunIdentity, params: Mapping[str, Any], err: BaseException) -> None:
    """The run of work that failed before it was tracked (a fit in a worker process that
    raised, or was stopped): a child run like ``identified_run``'s, FAILED with the reason."""
    run = identified_run(identity, params)
    run.__enter__()
    with suppress(BaseException):  # the run is closed FAILED; ``err`` is the caller's to raise
        run.__exit__(type(err), err, err.__traceback__)


EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
TRAINING_EXPERIMENT_KIND = "custom_model_development"  # the UI opens such experiments on runs


def mark_training_experiment(experiment_id: str) -> None:
    """Tag an experiment as model training (MLflow's experiment kind). MLflow 3.17's UI
    still opens it on the GenAI overview unless the address asks for the training view
    (``?workflowType=machine_learning``, what the report's links and `make mlflow-ui` use);
    the tag is for clients that read it and later UIs."""
    MlflowClient().set_experiment_tag(experiment_id, EXPERIMENT_KIND_TAG, TRAINING_EXPERIMENT_KIND)


def log_dataset_input(name: str, fingerprint: str, split_sizes: Mapping[str, int]) -> None:
    """Log the data of the active run as an MLflow dataset input: its name, its fingerprint
    as the digest and the split sizes, so the UI's Datasets column tells runs apart."""
    from mlflow.data.code_dataset_source import CodeDatasetSource
    from mlflow.data.meta_dataset import MetaDataset

    source = CodeDatasetSource(
        {"fingerprint": fingerprint, **{f"{k}_size": v for k, v in split_sizes.items()}}
    )
    mlflow.log_input(MetaDataset(source, name=name, digest=fingerprint[:36]), context="training")


@contextmanager
def child_run(run_name: str, tags: Mapping[str, Any], params: Mapping[str, Any]) -> Iterator[str]:
    """A run nested under the active ``kedro run`` parent (or a top-level run without one).

    Under a ``kedro run``, a run tagged ``pipeline`` goes into that pipeline's experiment
    (``dl-lab/vision``) whatever the command, so a plain ``kedro run`` and
    ``kedro run --pipelines vision`` put vision's runs side by side; the run keeps its link to
    the ``kedro run`` (MLflow's parent tag and ``kedro_run_id``). Yields the run id. An
    exception inside marks the run FAILED with the reason as a tag.
    """
    parent = mlflow.active_run()
    # the parent's tags as stored now (the active-run object holds only those it started with)
    above = MlflowClient().get_run(parent.info.run_id).data.tags if parent else {}
    run = mlflow.start_run(
        run_name=run_name,
        nested=parent is not None,
        experiment_id=_experiment_for(parent, tags.get("pipeline"), above),
        tags={"kedro_run_id": above.get("kedro_run_id", parent.info.run_id)} if parent else None,
    )
    with _ends_active_run():
        mlflow.set_tags({k: str(v) for k, v in tags.items()})
        mlflow.log_params(flatten(params))
        yield run.info.run_id


def _experiment_for(
    parent: Any, pipeline: str | None, parent_tags: Mapping[str, str]
) -> str | None:
    """The experiment of a child run: under a ``kedro run``, its pipeline's (created like the
    parent's); under another tracked run (a study's trials), the parent's; None (the active
    experiment) without a parent."""
    if parent is None:
        return None
    client = MlflowClient()
    if not pipeline or parent_tags.get("pipeline"):
        return parent.info.experiment_id  # a run inside a training run (a study's trial) stays
    home = client.get_experiment(parent.info.experiment_id)
    name = experiment_name([str(pipeline)])
    if home.name == name:
        return home.experiment_id
    found = client.get_experiment_by_name(name)
    if found is None:
        experiment_id = client.create_experiment(name, artifact_location=home.artifact_location)
    else:
        experiment_id = found.experiment_id
        if found.lifecycle_stage == "deleted":
            client.restore_experiment(experiment_id)
    if found is None or found.tags.get(EXPERIMENT_KIND_TAG) != TRAINING_EXPERIMENT_KIND:
        mark_training_experiment(experiment_id)
    return experiment_id


@contextmanager
def _ends_active_run() -> Iterator[None]:
    """End the active run when the block ends: FAILED, with the reason as a tag, on an error."""
    try:
        yield
    except BaseException as err:
        # A stop signal may land inside an MLflow request, which wraps it in its own error:
        # the reason (and what propagates) is the stop, wherever the signal landed.
        stop = errors.stop_behind(err)
        reason = stop if stop is not None else err
        mlflow.set_tag("failure_reason", f"{type(reason).__name__}: {reason}"[:5000])
        mlflow.end_run(status="FAILED")
        if stop is not None and stop is not err:
            # A new error, not ``raise stop from err``: ``err`` may wrap ``stop`` (as its
            # cause), and the cycle stop -> err -> stop hangs rich's traceback printer.
            raise errors.Terminated(str(stop)) from err
        raise
    mlflow.end_run()


@contextmanager
def resume_run(run_id: str) -> Iterator[str]:
    """Re-open a finished child run (to add evaluation results), then close it again."""
    active = mlflow.active_run()
    if active is not None and active.info.run_id == run_id:
        yield run_id
        return
    with _in_experiment_of(run_id):
        mlflow.start_run(run_id=run_id, nested=active is not None)
    try:
        yield run_id
    finally:
        mlflow.end_run()


@contextmanager
def _in_experiment_of(run_id: str) -> Iterator[None]:
    """Make the experiment of ``run_id`` the active one while it is re-opened.

    MLflow refuses to re-open a run of another experiment than the active one, and under a
    plain ``kedro run`` the active experiment is ``dl-lab/default`` while the pipelines'
    runs live in their own experiments; the ``kedro run``'s experiment is put back after.
    """
    home = MlflowClient().get_run(run_id).info.experiment_id
    parent = mlflow.active_run()
    mlflow.set_experiment(experiment_id=home)
    try:
        yield
    finally:
        if parent is not None:
            mlflow.set_experiment(experiment_id=parent.info.experiment_id)


class BufferedMLFlowLogger(MLFlowLogger):
    """Lightning's ``MLFlowLogger``, writing metrics in batches rather than call by call.

    Each write is one MLflow request (a SQLite transaction here, ~8 ms): once per epoch it
    is a few percent of a small model's epoch on a CPU. Metrics are held for at most
    ``flush_every_s`` seconds and written together, and always when training ends or fails
    (``finalize``), so the MLflow UI lags the training by at most that much.
    """

    def __init__(self, *args: Any, flush_every_s: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flush_every_s = flush_every_s
        self._pending: list[Metric] = []
        self._flushed_at = time.monotonic()

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        now_ms = int(time.time() * 1000)
        self._pending += [Metric(k, float(v), now_ms, step or 0) for k, v in metrics.items()]
        if time.monotonic() - self._flushed_at >= self.flush_every_s:
            self.flush()

    @rank_zero_only
    def flush(self) -> None:
        """Write the held metrics now."""
        pending, self._pending = self._pending, []
        _log_in_batches(self.experiment, self.run_id, pending)
        self._flushed_at = time.monotonic()

    @rank_zero_only
    def finalize(self, status: str = "success") -> None:
        self.flush()
        super().finalize(status)


def lightning_logger(run_id: str, flush_every_s: float = 10.0) -> BufferedMLFlowLogger:
    """A Lightning logger that writes into the existing run ``run_id`` (see the class)."""
    return BufferedMLFlowLogger(
        tracking_uri=mlflow.get_tracking_uri(),
        run_id=run_id,
        log_model=False,
        flush_every_s=flush_every_s,
    )


def log_metrics(run_id: str, metrics: Mapping[str, float], step: int | None = None) -> None:
    """Log scalar metrics into ``run_id`` (one request for all of them)."""
    log_metric_history(run_id, [(key, value, step or 0) for key, value in metrics.items()])


def log_figures(run_id: str, figures: Mapping[str, Any]) -> None:
    """Log matplotlib figures into ``run_id`` as ``<name>.png``."""
    client = MlflowClient()
    for name, fig in figures.items():
        client.log_figure(run_id, fig, f"{name}.png")


def log_images(run_id: str, images: Mapping[str, bytes]) -> None:
    """Log PNG images (already rendered, e.g. in a worker process) as ``<name>.png``."""
    client = MlflowClient()
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in images.items():
            path = Path(tmp) / f"{name}.png"
            path.write_bytes(data)
            client.log_artifact(run_id, str(path))


def log_table(run_id: str, frame: Any, name: str) -> None:
    """Log a pandas DataFrame as a CSV artifact."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        frame.to_csv(path, index=False)
        MlflowClient().log_artifact(run_id, str(path))


def log_file(run_id: str, path: Path | str, artifact_path: str | None = None) -> None:
    """Log a file (e.g. a checkpoint) into ``run_id``."""
    MlflowClient().log_artifact(run_id, str(path), artifact_path)


def _reusable_run(run_id: str | None) -> bool:
    """Whether ``run_id`` is a live run in this store and in the active run's experiment."""
    if not run_id:
        return False
    try:
        run = MlflowClient().get_run(run_id)
    except mlflow.exceptions.MlflowException:
        return False
    active = mlflow.active_run()
    above = MlflowClient().get_run(active.info.run_id).data.tags if active else {}
    home = _experiment_for(active, run.data.tags.get("pipeline"), above)
    same_experiment = active is None or home == run.info.experiment_id
    return run.info.lifecycle_stage == "active" and same_experiment


@contextmanager
def reopen_or_start_run(
    run_name: str, tags: Mapping[str, Any], params: Mapping[str, Any], run_id: str | None
) -> Iterator[str]:
    """Re-open run ``run_id`` if it can be (tags updated, params kept), else a new child run.

    Lets one long-lived run (e.g. an Optuna study continued over several sessions) collect
    children from each session. An exception inside marks it FAILED, as ``child_run`` does.
    """
    if not _reusable_run(run_id):
        with child_run(run_name, tags, params) as new_id:
            yield new_id
        return
    with _in_experiment_of(run_id):
        mlflow.start_run(run_id=run_id, nested=mlflow.active_run() is not None)
    with _ends_active_run():
        mlflow.set_tags({k: str(v) for k, v in tags.items()})
        yield run_id


def register_model(model_uri: str, name: str, tags: Mapping[str, Any]) -> str:
    """Register ``model_uri`` as a new version of ``name``; returns the version number."""
    version = mlflow.register_model(model_uri, name, tags={k: str(v) for k, v in tags.items()})
    return str(version.version)


def model_version_by_alias(name: str, alias: str) -> dict[str, Any] | None:
    """``{"version", "run_id", "tags"}`` of ``name@alias``; None if the model or alias is absent."""
    try:
        found = MlflowClient().get_model_version_by_alias(name, alias)
    except mlflow.exceptions.MlflowException:
        return None
    return {"version": str(found.version), "run_id": found.run_id, "tags": dict(found.tags)}


def set_model_version_tags(name: str, version: str, tags: Mapping[str, Any]) -> None:
    """Tag one registered model version."""
    client = MlflowClient()
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, str(value))


def set_model_alias(name: str, alias: str, version: str) -> None:
    """Point ``name@alias`` at ``version`` (one atomic update in the registry)."""
    MlflowClient().set_registered_model_alias(name, alias, version)


def load_torch_model(model_uri: str) -> Any:
    """A logged pytorch-flavour model on the CPU (pt2 archives load without unpickling)."""
    import mlflow.pytorch

    return mlflow.pytorch.load_model(model_uri, map_location="cpu")


def model_input_shape(model_uri: str) -> tuple[int, ...] | None:
    """The tensor shape in the model's signature (-1 for free dimensions), if it has one."""
    signature = mlflow.models.get_model_info(model_uri).signature
    if signature is None or not signature.inputs.is_tensor_spec():
        return None
    return tuple(signature.inputs.inputs[0].shape)


def log_metric_history(
    run_id: str, points: list[tuple[str, float, int]], batch: int = 1000
) -> None:
    """Log many ``(key, value, step)`` points into ``run_id`` with one request per ``batch``."""
    now = int(time.time() * 1000)
    metrics = [Metric(key, float(value), now, int(step)) for key, value, step in points]
    _log_in_batches(MlflowClient(), run_id, metrics, batch)


def _log_in_batches(
    client: MlflowClient, run_id: str, metrics: list[Metric], batch: int = 1000
) -> None:
    """``metrics`` into ``run_id``, one request per ``batch`` (MLflow's limit is 1,000)."""
    for start in range(0, len(metrics), batch):
        client.log_batch(run_id, metrics=metrics[start : start + batch])


def pinned_requirements(packages: tuple[str, ...] = ("torch", "numpy")) -> list[str]:
    """``name==version`` of installed ``packages``, for a logged model's requirements."""
    return [f"{name}=={version(name)}" for name in packages]


def log_torch_model(
    run_id: str,
    model: Any,
    example_input: Any,
    requirements: list[str] | None = None,
    name: str = "model",
) -> str:
    """Log ``model`` (pytorch flavour) into ``run_id`` with a signature from ``example_input``.

    Pip requirements are given (default: torch and numpy pinned): MLflow would otherwise
    infer them by loading the model in a subprocess, seconds per model. The input example
    is required: MLflow 3 exports the model as a traced graph (pt2) from it.
    """
    import mlflow.pytorch
    import torch
    from mlflow.models import infer_signature

    model = model.cpu().eval()
    with torch.no_grad():
        example_output = model(example_input).numpy()
    signature = infer_signature(example_input.numpy(), example_output)
    with resume_run(run_id):
        info = mlflow.pytorch.log_model(
            model,
            name=name,
            signature=signature,
            input_example=example_input[:2].numpy(),
            pip_requirements=requirements or pinned_requirements(),
        )
    return info.model_uri


def finished_runs(tags: Mapping[str, str], prefix: str = PROJECT) -> list[dict[str, Any]]:
    """The latest FINISHED run of each run name whose tags match ``tags``, in every
    experiment named ``<prefix>/...``: ``{run_id, name, experiment_id, tags, params, metrics}``.

    A study run again (another ``kedro run``) keeps its old runs in MLflow; the report
    compares the newest of each.
    """
    client = MlflowClient()
    experiments = [
        e.experiment_id for e in client.search_experiments() if e.name.startswith(prefix)
    ]
    if not experiments:
        return []
    condition = " and ".join(f"tags.{key} = '{value}'" for key, value in tags.items())
    runs = client.search_runs(
        experiments,
        filter_string=" and ".join(filter(None, [condition, "attributes.status = 'FINISHED'"])),
        order_by=["attributes.start_time DESC"],
        max_results=5000,
    )
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:
        name = run.info.run_name
        if name not in latest:
            latest[name] = {
                "run_id": run.info.run_id,
                "name": name,
                "experiment_id": run.info.experiment_id,
                "tags": dict(run.data.tags),
                "params": dict(run.data.params),
                "metrics": dict(run.data.metrics),
            }
    return sorted(latest.values(), key=lambda run: run["name"])


def metric_history(run_id: str, key: str) -> list[tuple[int, float]]:
    """``(step, value)`` of every logged value of ``key`` in ``run_id``, by step."""
    history = MlflowClient().get_metric_history(run_id, key)
    return sorted((int(m.step), float(m.value)) for m in history)


def experiments_of(run_ids: list[str]) -> dict[str, str]:
    """The experiment id of each run that exists in this store (others are left out)."""
    client, found = MlflowClient(), {}
    for run_id in run_ids:
        try:
            found[run_id] = client.get_run(run_id).info.experiment_id
        except mlflow.exceptions.MlflowException:
            continue
    return found

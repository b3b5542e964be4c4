"""Kedro hooks: the checks a run passes before its first node, one MLflow experiment per
pipeline, the tags every run carries, and a clean failure when the run is stopped with
SIGTERM or Ctrl+C."""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from kedro.framework.hooks import hook_impl

from dl_lab import errors, tracking
from dl_lab.pipelines import _preflight

log = logging.getLogger(__name__)

MANIFEST = "data_manifest"


class PreflightHook:
    """Fails a run on bad input before its first node runs and before any MLflow run opens.

    Kedro has already validated the node parameters typed with a model; this adds what it
    leaves out (``pipelines._preflight``): the parameters every pipeline shares (``seed``),
    keys that no pipeline of the run reads, and missing or unreadable input files.
    ``tryfirst``: it runs before every other ``before_pipeline_run``, kedro-mlflow's too.
    """

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        from kedro.framework.project import pipelines

        names = run_params.get("pipeline_names") or ["__default__"]
        parameters = catalog.load("parameters")
        _preflight.check_run(parameters, [pipelines[name] for name in names], pipeline, catalog)


class ExperimentPerPipelineHook:
    """Points kedro-mlflow at the experiment ``dl-lab/<pipeline>`` before it opens the run."""

    def __init__(self) -> None:
        self._context: Any = None

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._context = context  # kedro-mlflow attaches its config (``context.mlflow``) after us

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        config = getattr(self._context, "mlflow", None)
        if config is None:
            return
        names = run_params.get("pipeline_names") or []
        config.tracking.experiment.name = tracking.experiment_name(names)
        if len(names) > 1 and not config.tracking.run.name:
            # kedro-mlflow joins the names in Kedro's order (a set's): the same in every run
            config.tracking.run.name = "+".join(sorted(names))
        # kedro-mlflow's own routine: create or restore, then make it the active experiment.
        config._set_experiment()
        tracking.mark_training_experiment(config.tracking.experiment._experiment.experiment_id)


class RunTagsHook:
    """Tags the ``kedro run`` parent run with git sha, seed, data fingerprint and versions."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], catalog: Any) -> None:
        tags = {
            "git_sha": tracking.git_sha(run_params.get("project_path", ".")),
            "env": run_params.get("env") or "local",
        }
        tags.update(tracking.package_versions())
        if "params:seed" in catalog:
            tags["seed"] = catalog.load("params:seed")
        if MANIFEST in catalog and catalog.exists(MANIFEST):
            tags.update(_manifest_tags(catalog.load(MANIFEST)))
        tracking.set_tags(tags)

    @hook_impl
    def after_node_run(self, outputs: dict[str, Any]) -> None:
        if MANIFEST in outputs:
            tracking.set_tags(_manifest_tags(outputs[MANIFEST]))


def _manifest_tags(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "dataset": manifest.get("dataset"),
        "data_fingerprint": manifest.get("fingerprint"),
    }


class FailOnStopSignalHook:
    """Turns SIGTERM and Ctrl+C into ``Terminated`` while a pipeline runs: runs end FAILED.

    Airflow (on a timeout or a task marked failed), Kubernetes, systemd and ``kill`` stop a
    task with SIGTERM, whose default action ends the process on the spot: the training run
    and the ``kedro run`` parent run would stay RUNNING in MLflow for good. Ctrl+C is no
    better: Lightning turns it into ``SystemExit``, which Kedro does not treat as a failed
    pipeline, so MLflow closed the parent run as FINISHED. Raised as an exception instead,
    either signal closes the runs as any error does: Lightning finalizes its logger, the
    training run is marked FAILED with the reason, kedro-mlflow fails the parent run, and
    locks are released. Only the first signal raises. A second Ctrl+C stops at once
    (``KeyboardInterrupt``); a second SIGTERM is ignored so that the clean-up can finish (a
    scheduler's SIGKILL still ends a stuck process).
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self._previous: dict[int, Any] = {}
        self._stopping = False

    @hook_impl
    def before_pipeline_run(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        self._stopping = False
        errors.clear_stop()
        self._previous = {signum: signal.signal(signum, self._stop) for signum in self.SIGNALS}

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self._stopping:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            return
        self._stopping = True
        name = signal.Signals(signum).name
        log.error("%s received: stopping the run and marking it FAILED", name)
        raise errors.request_stop(f"stopped by {name} (pid {os.getpid()})")

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._restore()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._restore()

    def _restore(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        errors.clear_stop()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

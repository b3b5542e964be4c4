"""Kedro hooks: one MLflow experiment per pipeline, and the tags every run carries."""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.hooks import hook_impl

from dl_lab import tracking

log = logging.getLogger(__name__)

MANIFEST = "data_manifest"


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
        config.tracking.experiment.name = tracking.experiment_name(run_params.get("pipeline_names"))
        # kedro-mlflow's own routine: create or restore, then make it the active experiment.
        config._set_experiment()


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

"""Kedro settings for dl-lab."""

import os
import warnings

from kedro.config import OmegaConfigLoader
from kedro_mlflow.framework.hooks import MlflowHook

from dl_lab.hooks import (
    ExperimentPerPipelineHook,
    FailOnStopSignalHook,
    PreflightHook,
    RunTagsHook,
)

# kedro-mlflow is registered here rather than through its entry point so that the order
# is explicit. pluggy calls the hook registered last first, so for before_pipeline_run the
# experiment is named, then kedro-mlflow opens the parent run in it, then the run is tagged,
# then SIGTERM and Ctrl+C are made errors; on an error, kedro-mlflow closes the runs before
# the signal handlers are put back.
# Noise that says nothing about a run: a deprecation inside kedro/kedro-mlflow's own resolver
# registration, Lightning's advice to add DataLoader workers (our batches are slices
# of in-memory tensors; workers would only add copies), and Kedro's note on '.' in dataset
# names, which the vision comparison meets by design when it reads every variant's
# namespaced outputs (`<study>.<variant>.seed<n>.summary_row`).
warnings.filterwarnings("ignore", message=".*register_new_resolver", category=UserWarning)
warnings.filterwarnings("ignore", message=".*does not have many workers", category=UserWarning)
warnings.filterwarnings("ignore", message=".*dataset names contain '.' characters")

DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)
# PreflightHook's checks come before all of these (tryfirst): bad input opens no MLflow run.
HOOKS = (
    FailOnStopSignalHook(),
    RunTagsHook(),
    MlflowHook(),
    ExperimentPerPipelineHook(),
    PreflightHook(),
)


def mlflow_tracking_uri(default: str) -> str:
    """``MLFLOW_TRACKING_URI`` when it is set (a tracking server), else ``default``: the
    resolver ``${mlflow_tracking_uri:...}`` of conf/base/mlflow.yml. Kedro reads no
    environment variable outside credentials (``oc.env`` is off elsewhere); this resolver
    reads this one variable only, so no other can reach parameters that MLflow logs."""
    return os.environ.get("MLFLOW_TRACKING_URI") or default


def mlflow_artifact_location(default: str) -> str | None:
    """Where a new experiment keeps its artifacts: ``default`` (beside the sqlite store),
    or, with a tracking server in ``MLFLOW_TRACKING_URI``, None: the server's own store
    (``mlflow server --serve-artifacts``), so that artifacts travel through the server."""
    server = os.environ.get("MLFLOW_TRACKING_URI", "").startswith(("http://", "https://"))
    return None if server else default


CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "custom_resolvers": {
        "mlflow_tracking_uri": mlflow_tracking_uri,
        "mlflow_artifact_location": mlflow_artifact_location,
    },
    "base_env": "base",
    "default_run_env": "local",
    # conf/test and conf/full override single keys deep inside a block (epochs, sizes),
    # so parameters merge key by key rather than replacing whole top-level blocks.
    "merge_strategy": {"parameters": "soft"},
}

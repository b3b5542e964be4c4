"""Kedro settings for dl-lab."""

from kedro.config import OmegaConfigLoader
from kedro_mlflow.framework.hooks import MlflowHook

from dl_lab.hooks import ExperimentPerPipelineHook, RunTagsHook

# kedro-mlflow is registered here rather than through its entry point so that the order
# is explicit: pluggy calls the hook registered last first, so our hooks name the
# experiment before kedro-mlflow opens the parent run in it.
DISABLE_HOOKS_FOR_PLUGINS = ("kedro-mlflow", "kedro_mlflow")
HOOKS = (MlflowHook(), RunTagsHook(), ExperimentPerPipelineHook())

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
}

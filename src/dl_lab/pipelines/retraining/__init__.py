"""Champion/challenger retraining through the MLflow Model Registry alias ``champion``."""

from dl_lab.pipelines.retraining.pipeline import create_pipeline

__all__ = ["create_pipeline"]

"""The Optuna study over a CNN search space; the best configuration retrained and tested."""

from dl_lab.pipelines.tuning.pipeline import create_pipeline

__all__ = ["create_pipeline"]

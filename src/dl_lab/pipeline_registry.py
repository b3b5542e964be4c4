"""Project pipelines: every folder under ``pipelines/`` is one, found automatically."""

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# Run on demand (they act on the model registry), not part of the quick tour.
NOT_IN_DEFAULT = ("retraining", "inference")


def register_pipelines() -> dict[str, Pipeline]:
    """Every pipeline by name; ``__default__`` is all of them but retraining and inference."""
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (p for name, p in sorted(pipelines.items()) if name not in NOT_IN_DEFAULT), Pipeline([])
    )
    return pipelines

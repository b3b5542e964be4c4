"""Project pipelines: every folder under ``pipelines/`` is one, found automatically."""

from pathlib import Path

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

from dl_lab.errors import ConfigError
from dl_lab.pipelines.reporting import pipeline as reporting

# Run on demand (they act on the model registry), not part of the quick tour.
NOT_IN_DEFAULT = ("retraining", "inference")
REPORT = "reporting"


def available_pipelines() -> list[str]:
    """Names of the pipeline packages under ``dl_lab/pipelines``."""
    folder = Path(__file__).parent / "pipelines"
    return sorted(p.name for p in folder.iterdir() if (p / "pipeline.py").is_file())


def register_pipelines() -> dict[str, Pipeline]:
    """Every pipeline by name; ``__default__`` is all of them but retraining and inference."""
    try:
        pipelines = find_pipelines(raise_errors=True)
    except ImportError as err:
        if err.__cause__ is not None:  # a pipeline that exists failed to import
            raise
        # Kedro loads only the pipelines asked for, and reports an unknown name as a
        # module that cannot be imported; say what the user typed wrong instead.
        raise ConfigError(
            f"{err} There is no such pipeline; available: {', '.join(available_pipelines())}"
        ) from None
    tour = [p for name, p in sorted(pipelines.items()) if name not in (*NOT_IN_DEFAULT, REPORT)]
    experiments = sum(tour, Pipeline([]))
    # The report reads the findings files the others write: in the tour it waits for them.
    upstream = sorted(name for name in experiments.all_outputs() if name.endswith("_findings"))
    report = reporting.create_pipeline(after=upstream) if REPORT in pipelines else Pipeline([])
    pipelines["__default__"] = experiments + report
    return pipelines

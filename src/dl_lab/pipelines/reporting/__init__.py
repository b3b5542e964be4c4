"""The reporting pipeline: every findings table, one self-contained HTML report."""

from dl_lab.pipelines.reporting.pipeline import create_pipeline

__all__ = ["create_pipeline"]

"""Batch predictions with the registered champion (``models:/<name>@champion``)."""

from dl_lab.pipelines.inference.pipeline import create_pipeline

__all__ = ["create_pipeline"]

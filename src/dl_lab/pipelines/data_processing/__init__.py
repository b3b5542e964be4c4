"""Ingest -> preprocess -> stratified split -> class balance -> augmentation spec."""

from dl_lab.pipelines.data_processing.pipeline import create_pipeline

__all__ = ["create_pipeline"]

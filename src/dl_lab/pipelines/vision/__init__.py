"""The vision study: one namespaced train -> evaluate -> record template per variant and seed."""

from dl_lab.pipelines.vision.pipeline import create_pipeline

__all__ = ["create_pipeline"]

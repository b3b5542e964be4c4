"""Diagnostics: fit diagnosis, early stopping, bias-variance, complexity and hyperparameter
sweeps, activations, losses, gradient flow and CNN arithmetic."""

from dl_lab.pipelines.diagnostics.pipeline import create_pipeline

__all__ = ["create_pipeline"]

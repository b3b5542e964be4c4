"""NumPy fundamentals from scratch: neurons, perceptron, backprop, optimizers, capacity (unit 2)."""

from dl_lab.pipelines.fundamentals.pipeline import create_pipeline

__all__ = ["create_pipeline"]

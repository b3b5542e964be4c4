"""Diagnostics: fit diagnosis, bias-variance, gradient flow, conv arithmetic, CNN sweeps."""

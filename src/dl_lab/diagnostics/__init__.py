"""Analysis: fit diagnosis, bias-variance, gradient flow, conv arithmetic and statistics."""

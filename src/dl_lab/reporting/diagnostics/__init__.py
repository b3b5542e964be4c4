"""Figures of the diagnostics pipeline, one module per topic (``matplotlib.figure.Figure``)."""

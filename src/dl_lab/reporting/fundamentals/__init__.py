"""Figures of the fundamentals pipeline, built on ``matplotlib.figure.Figure`` (no pyplot)."""

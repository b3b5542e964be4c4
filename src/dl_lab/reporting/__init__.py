"""Plots and reports: figures are returned, never saved here (the catalog saves them)."""

"""Data: sources, splits, preprocessing and augmentation (no Kedro, no MLflow)."""

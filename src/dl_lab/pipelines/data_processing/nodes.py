"""Nodes of the data_processing pipeline: thin calls into ``dl_lab.data``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.bundle import ModelInput, bundle_images
from dl_lab.data.config import IngestParams, SplitParams
from dl_lab.data.sources import ImageSet, load_images
from dl_lab.data.splits import SPLITS, auto_ratios, split_stratified
from dl_lab.reporting.plots import plot_class_balance


def ingest_images(params: IngestParams, seed: int) -> ImageSet:
    """Load the image set named in the parameters."""
    return load_images(params.dataset, params.root, params.download, params.limit, seed)


def split_data(images: ImageSet, params: SplitParams, seed: int) -> pd.DataFrame:
    """Stratified, seeded split; one row per sample: ``index``, ``split``."""
    ratios = auto_ratios(len(images.labels)) if params.ratios == "auto" else params.ratios
    indices = split_stratified(images.labels, ratios, seed)
    rows = [pd.DataFrame({"index": idx, "split": name}) for name, idx in indices.items()]
    return pd.concat(rows).sort_values("index").reset_index(drop=True)


def _indices(split_indices: pd.DataFrame) -> dict[str, np.ndarray]:
    return {s: split_indices.loc[split_indices["split"] == s, "index"].to_numpy() for s in SPLITS}


def preprocess_images(
    images: ImageSet, split_indices: pd.DataFrame, seed: int
) -> tuple[ModelInput, dict[str, Any]]:
    """Scale to [0, 1] and cut into splits (statistics from the training split only)."""
    bundle = bundle_images(images, _indices(split_indices))
    manifest = {
        "dataset": bundle.dataset,
        "fingerprint": bundle.fingerprint,
        "seed": seed,
        "classes": bundle.classes,
        "shape": list(bundle.sample_shape),
        "sizes": {split: len(bundle.split(split)[1]) for split in SPLITS},
        "mean": bundle.mean.tolist(),
        "std": bundle.std.tolist(),
    }
    return bundle, manifest


def report_class_balance(
    images: ImageSet, split_indices: pd.DataFrame
) -> tuple[pd.DataFrame, Figure, float]:
    """Per-split class counts and proportions, a bar plot, and the largest deviation."""
    labels = images.labels
    overall = np.bincount(labels, minlength=len(images.classes)) / len(labels)
    rows = []
    for split, idx in _indices(split_indices).items():
        counts = np.bincount(labels[idx], minlength=len(images.classes))
        for cls, count in enumerate(counts):
            rows.append(
                {
                    "split": split,
                    "class": images.classes[cls],
                    "count": int(count),
                    "proportion": count / len(idx),
                    "overall_proportion": overall[cls],
                }
            )
    table = pd.DataFrame(rows)
    table["deviation"] = (table["proportion"] - table["overall_proportion"]).abs()
    return table, plot_class_balance(table), float(table["deviation"].max())


def build_augmentation_spec(params: AugmentationSpec) -> dict[str, Any]:
    """The validated augmentation spec, as data for the training pipelines."""
    return params.model_dump()

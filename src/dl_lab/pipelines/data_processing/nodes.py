"""Nodes of the data_processing pipeline: thin calls into ``dl_lab.data``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.preprocess import channel_stats
from dl_lab.data.sources import ImageSet, load_images
from dl_lab.data.splits import SPLITS, auto_ratios, fingerprint, split_stratified
from dl_lab.pipelines.data_processing.params import IngestParams, SplitParams
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
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scale to [0, 1]; standardization statistics from the training split only."""
    indices = _indices(split_indices)
    scaled = images.images / images.pixel_max  # (N, C, H, W) in [0, 1]
    mean, std = channel_stats(scaled[indices["train"]])
    bundle: dict[str, Any] = {"mean": torch.from_numpy(mean), "std": torch.from_numpy(std)}
    for split, idx in indices.items():
        bundle[f"x_{split}"] = torch.from_numpy(np.ascontiguousarray(scaled[idx], dtype=np.float32))
        bundle[f"y_{split}"] = torch.from_numpy(images.labels[idx])
    manifest = {
        "dataset": images.name,
        "fingerprint": fingerprint(images.images, images.labels, indices),
        "seed": seed,
        "classes": images.classes,
        "shape": list(images.images.shape[1:]),
        "sizes": {s: int(len(i)) for s, i in indices.items()},
        "mean": mean.tolist(),
        "std": std.tolist(),
    }
    bundle.update(classes=images.classes, dataset=images.name, fingerprint=manifest["fingerprint"])
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

"""Synthetic learning curves of each fit regime, shaped after course 1.17's examples.

After training, the course reads 95 % train / 70 % val as overfitting, 60 / 58 as
underfitting and 90 / 88 as a good fit; ``still_improving`` is a run stopped while both
losses still fall. The curves are smooth exponentials with a little seeded noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KINDS = ("overfitting", "underfitting", "good_fit", "still_improving")


def _approach(start: float, end: float, rate: float, epochs: np.ndarray) -> np.ndarray:
    """``start`` relaxing exponentially towards ``end`` with time constant ``1/rate``."""
    return end + (start - end) * np.exp(-rate * (epochs - 1))


def _shapes(kind: str, e: np.ndarray) -> dict[str, np.ndarray]:
    if kind == "overfitting":  # val loss bottoms out around epoch 6, then climbs
        val_loss = _approach(2.0, 0.75, 0.6, e) + 0.04 * np.clip(e - 6, 0, None) ** 1.3
        return {
            "train_loss": _approach(2.0, 0.05, 0.35, e),
            "val_loss": val_loss,
            "train_acc": _approach(0.3, 0.97, 0.35, e),
            "val_acc": _approach(0.3, 0.78, 0.6, e) - 0.006 * np.clip(e - 6, 0, None),
        }
    if kind == "underfitting":  # both plateau at a poor level, small gap
        return {
            "train_loss": _approach(2.2, 1.20, 0.8, e),
            "val_loss": _approach(2.2, 1.25, 0.8, e),
            "train_acc": _approach(0.2, 0.60, 0.8, e),
            "val_acc": _approach(0.2, 0.58, 0.8, e),
        }
    if kind == "good_fit":  # both converge, small gap
        return {
            "train_loss": _approach(2.0, 0.33, 0.7, e),
            "val_loss": _approach(2.0, 0.38, 0.7, e),
            "train_acc": _approach(0.3, 0.90, 0.7, e),
            "val_acc": _approach(0.3, 0.88, 0.7, e),
        }
    if kind == "still_improving":  # slow decay: far from converged when stopped
        return {
            "train_loss": _approach(2.2, 0.2, 0.08, e),
            "val_loss": _approach(2.2, 0.25, 0.08, e),
            "train_acc": _approach(0.2, 0.95, 0.08, e),
            "val_acc": _approach(0.2, 0.93, 0.08, e),
        }
    raise ValueError(f"unknown curve kind {kind!r}; available: {', '.join(KINDS)}")


def synthetic_history(
    kind: str, epochs: int = 20, noise: float = 0.005, seed: int = 0
) -> pd.DataFrame:
    """A per-epoch history (``epoch``, ``train_loss``, ``val_loss``, ``train_acc``,
    ``val_acc``) of the regime ``kind``."""
    if epochs < 2:
        raise ValueError(f"epochs must be >= 2 for a learning curve, got {epochs}")
    e = np.arange(1, epochs + 1, dtype=float)
    rng = np.random.default_rng(seed)
    columns = {
        name: values + rng.normal(0.0, noise, size=epochs)
        for name, values in _shapes(kind, e).items()
    }
    frame = pd.DataFrame({"epoch": e.astype(int), **columns})
    for acc in ("train_acc", "val_acc"):
        frame[acc] = frame[acc].clip(0.0, 1.0)
    return frame

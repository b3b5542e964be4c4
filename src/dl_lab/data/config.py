"""Parameter blocks of the data stage: which image set to load, and how to split it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from dl_lab.config import Registered, StrictModel
from dl_lab.data.sources import SOURCES
from dl_lab.data.splits import check_ratios


class IngestParams(StrictModel):
    """Which image set to load, from where, and whether it may be downloaded."""

    dataset: Registered(SOURCES) = "mnist_5k"
    root: str = "data/01_raw"
    download: bool = False
    limit: int | None = Field(None, ge=20, description="stratified subsample size (tests)")


class SplitParams(StrictModel):
    """Train/val/test ratios, or ``auto`` for the course's size-based rule."""

    ratios: Literal["auto"] | tuple[float, float, float] = "auto"

    @field_validator("ratios")
    @classmethod
    def _sum_to_one(cls, ratios):
        return ratios if ratios == "auto" else check_ratios(ratios)

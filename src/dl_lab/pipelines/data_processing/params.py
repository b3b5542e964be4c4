"""Parameter blocks of the data_processing pipeline."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dl_lab.data.sources import SOURCES
from dl_lab.data.splits import check_ratios


class IngestParams(BaseModel):
    """Which image set to load, from where, and whether it may be downloaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str = "mnist_5k"
    root: str = "data/01_raw"
    download: bool = False
    limit: int | None = Field(None, ge=20, description="stratified subsample size (tests)")

    @field_validator("dataset")
    @classmethod
    def _known(cls, name: str) -> str:
        return SOURCES.check(name)


class SplitParams(BaseModel):
    """Train/val/test ratios, or ``auto`` for the course's size-based rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ratios: Literal["auto"] | tuple[float, float, float] = "auto"

    @field_validator("ratios")
    @classmethod
    def _sum_to_one(cls, ratios):
        return ratios if ratios == "auto" else check_ratios(ratios)

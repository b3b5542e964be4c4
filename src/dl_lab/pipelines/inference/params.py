"""Parameter block of the inference pipeline."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dl_lab.config import StrictModel


class InferenceParams(StrictModel):
    """Which registered model to serve, and on what inputs."""

    model_name: str = Field(min_length=1)
    alias: str = "champion"
    source: Literal["test_split", "files"] = "test_split"
    pixel_max: float = Field(255.0, gt=0, description="files: the images' maximum pixel value")
    batch_size: int = Field(512, ge=1)

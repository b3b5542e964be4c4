"""Parameter blocks of the vision pipeline besides variants and trainer (``training.config``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dl_lab.training.regularizers import REGULARIZERS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PairedTest(_Strict):
    """Compare ``candidate`` with ``baseline`` (variants of ``study``) seed by seed."""

    study: str
    baseline: str
    candidate: str
    metric: str = "test_acc"


class ReportConfig(_Strict):
    """What the comparison stage computes and plots."""

    near_zero_threshold: float = Field(1e-3, gt=0, description="|w| below it counts as ~0")
    histogram_range: tuple[float, float] = Field((-8.0, 1.0), description="log10|w| limits")
    histogram_bins: int = Field(90, ge=2)
    regularizer_study: str = Field("regularizers", description="study of the gap/weight plots")
    cost_studies: list[str] = Field(
        ["architectures", "shallow_vs_deep"], description="studies in the accuracy-cost plot"
    )
    histogram_regularizers: list[str] = ["none", "l1", "l2"]
    paired_tests: list[PairedTest] = []
    confidence: float = Field(0.95, gt=0, lt=1)
    bootstrap_resamples: int = Field(10_000, ge=100)

    @model_validator(mode="after")
    def _known(self) -> ReportConfig:
        low, high = self.histogram_range
        if not low < high:
            raise ValueError(f"histogram_range must be increasing, got {self.histogram_range}")
        for name in self.histogram_regularizers:
            if name not in REGULARIZERS:
                allowed = ", ".join(REGULARIZERS)
                raise ValueError(f"histogram_regularizers: unknown {name!r}; available: {allowed}")
        return self

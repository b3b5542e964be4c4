"""The findings block (``diagnostics.findings``): the rules' tolerances and thresholds, and
which runs of the experiments stand for what in the course's claims."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dl_lab.config import StrictModel


class FindingsTolerances(StrictModel):
    """How far a measurement may sit from the course's claim and still count (units: YAML)."""

    accuracy: float = Field(ge=0)
    epochs: int = Field(ge=0)
    slower_by: float = Field(ge=0)
    train_loss: float = Field(ge=0)
    rmse: float = Field(ge=0)
    identity: float = Field(ge=0)
    bias_variance: float = Field(ge=0)
    gradient_decades: float = Field(ge=0)
    exact: float = Field(ge=0)
    printed: float = Field(ge=0)
    area_points: float = Field(ge=0)
    rises: float = Field(ge=0, le=1)


class FindingsThresholds(StrictModel):
    """The course's words made numbers: 'many' zeros, 'slow' and 'unstable' rates, batch sizes."""

    many_zeros: float = Field(gt=0, le=1)
    slow_lr: float = Field(gt=0)
    unstable_lr: float = Field(gt=0)
    small_batches: tuple[int, int]
    large_batch: int = Field(ge=1)


class FindingsCases(StrictModel):
    """Which runs of the experiments stand for what in the course's claims."""

    tracked_regimes: dict[str, Literal["overfitting", "underfitting", "good_fit"]]
    pooled: list[str] = Field(min_length=1)
    unpooled: str
    small_shift_px: int = Field(ge=1)
    vanishing_baseline: str
    relu: str
    residual_pairs: dict[str, str]
    remedies: list[str] = Field(min_length=1)
    clipped: dict[str, str]
    plain_descent: str
    momentum_runs: list[str] = Field(min_length=1)
    interleaved: dict[str, str]
    huber_deltas: list[float] = Field(min_length=1)


class FindingsParams(StrictModel):
    """The rules' tolerances and thresholds, and the cases each claim is read from (DESIGN §9)."""

    tolerances: FindingsTolerances
    thresholds: FindingsThresholds
    cases: FindingsCases

"""Parameter blocks of the retraining pipeline."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import dl_lab.tuning  # noqa: F401  (registers tunable_cnn for the fallback challenger)
from dl_lab.config import StrictModel
from dl_lab.training.config import TrainerConfig, VariantSpec


class ChallengerFallback(StrictModel):
    """The configuration trained when the study has no best configuration yet."""

    variant: VariantSpec
    batch_size: int = Field(64, ge=1)


class RetrainingParams(StrictModel):
    """Registry name and alias, the promotion rule, the lock, the audit and the challenger."""

    model_name: str = Field(min_length=1)
    alias: str = "champion"
    metric: Literal["test_acc", "test_f1_macro"] = "test_acc"
    min_improvement: float = Field(0.005, ge=0, le=1)
    lock_path: str = "data/06_models/retraining.lock"
    lock_timeout_s: float = Field(600, gt=0)
    audit_path: str = "data/08_reporting/retraining/audit.csv"
    incoming_pixel_max: float = Field(255.0, gt=0)
    challenger: ChallengerFallback
    trainer: TrainerConfig = TrainerConfig()

"""Validated parameter blocks for training (Kedro checks typed node parameters early)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dl_lab.models import ARCHITECTURES
from dl_lab.training.optimizers import OptimizerConfig
from dl_lab.training.regularizers import PENALTIES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EarlyStoppingConfig(_Strict):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    enabled: bool = True
    monitor: Literal["val_loss", "val_acc"] = "val_loss"
    patience: int = Field(5, ge=0)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True


class TrainerConfig(_Strict):
    """How to train: epochs, batch size, devices and where checkpoints go."""

    max_epochs: int = Field(20, ge=1)
    batch_size: int = Field(128, ge=1)
    accelerator: str = "auto"
    devices: int | str = "auto"
    strategy: str = "auto"
    num_nodes: int = Field(1, ge=1)
    precision: str = "32-true"
    deterministic: bool = True
    gradient_clip_val: float | None = Field(None, ge=0)
    early_stopping: EarlyStoppingConfig = EarlyStoppingConfig()
    checkpoint_dir: str = "data/06_models/checkpoints"
    resume: bool = True


class PenaltySpec(_Strict):
    """A loss penalty on the weights: ``l1``, ``l2`` or ``elastic_net`` with strength lambda."""

    name: str
    strength: float = Field(ge=0)
    l1_ratio: float = Field(0.5, ge=0, le=1)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        return PENALTIES.check(name)


class VariantSpec(_Strict):
    """One experiment: an architecture with its options, optimizer and regularization."""

    architecture: str
    model: dict[str, Any] = {}
    optimizer: OptimizerConfig = OptimizerConfig()
    regularizer: str = "none"
    penalty: PenaltySpec | None = None
    max_norm: float | None = Field(None, gt=0)
    augment: bool = False
    seeds: list[int] = Field(default_factory=lambda: [42], min_length=1)

    @field_validator("architecture")
    @classmethod
    def _known(cls, name: str) -> str:
        return ARCHITECTURES.check(name)

    @field_validator("model")
    @classmethod
    def _dropout_range(cls, options: dict[str, Any]) -> dict[str, Any]:
        p = options.get("dropout", 0.0)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"model.dropout must be in [0, 1), got {p}")
        return options

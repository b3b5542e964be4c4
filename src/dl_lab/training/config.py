"""Validated parameter blocks for training (Kedro checks typed node parameters early)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from dl_lab.config import Registered, Seed, StrictModel, check_registered
from dl_lab.models import ARCHITECTURES, check_model_options, model_defaults
from dl_lab.training.optimizers import OptimizerConfig
from dl_lab.training.regularizers import (
    PENALTIES,
    REGULARIZERS,
    EarlyStoppingConfig,
    parse_regularizer,
)
from dl_lab.training.schedules import ScheduleConfig
from dl_lab.training.tasks import TASKS

__all__ = ["EarlyStoppingConfig", "PenaltySpec", "ScheduleConfig", "TrainerConfig", "VariantSpec"]


class TrainerConfig(StrictModel):
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
    updates_per_step: int = Field(
        8,
        ge=1,
        description="mini-batches (optimizer updates) per Lightning step: the same training, "
        "with Lightning's per-step overhead paid once per group",
    )
    early_stopping: EarlyStoppingConfig = EarlyStoppingConfig()
    epoch_limit: int | None = Field(
        None, ge=1, description="caps every variant's max_epochs (a smoke run, conf/test)"
    )
    checkpoint_dir: str = "data/06_models/checkpoints"
    resume: bool = True
    num_threads: int | None = Field(
        None, ge=1, description="torch CPU threads during fit (None: torch's default)"
    )

    def override(self, **changes: Any) -> TrainerConfig:
        """A copy with ``changes``, validated as YAML would be (an unknown key fails)."""
        return type(self).model_validate({**self.model_dump(), **changes})


class PenaltySpec(StrictModel):
    """A loss penalty on the weights: ``l1``, ``l2`` or ``elastic_net`` with strength lambda."""

    name: Registered(PENALTIES)
    strength: float = Field(ge=0)
    l1_ratio: float = Field(0.5, ge=0, le=1)


class VariantSpec(StrictModel):
    """One experiment: an architecture with its options, optimizer and regularization.

    ``regularizers`` names presets from ``REGULARIZERS`` with their options, e.g.
    ``{l2: {strength: 1e-4}, dropout: {p: 0.5}}``; they are folded into the explicit fields
    (``model``, ``penalties``, ``optimizer``, ``early_stopping``, ``augment``, ``max_norm``),
    which may also be set directly. ``regularizer`` is the label runs are tagged with: left
    out (or ``none``), it names what the variant actually applies, e.g. ``l2+dropout``.
    ``max_epochs``, ``batch_size`` and ``early_stopping`` override the trainer's for this
    variant. ``label_smoothing`` softens the training targets (the validation and test
    losses stay plain cross-entropy, comparable across variants). ``train_samples`` trains
    on a stratified subset of that many training images (the same subset for every seed and
    variant; validation and test splits unchanged), e.g. to make a network overfit.
    ``task`` names the task module (``training.tasks``); ``schedule`` the learning-rate
    schedule (``training.schedules``), constant unless set.
    """

    architecture: Registered(ARCHITECTURES)
    task: Registered(TASKS) = "classification"
    model: dict[str, Any] = {}
    optimizer: OptimizerConfig = OptimizerConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    regularizer: str = "none"
    regularizers: dict[str, dict[str, Any]] = {}
    penalty: PenaltySpec | None = None
    penalties: list[PenaltySpec] = []
    max_norm: float | None = Field(None, gt=0)
    augment: bool = False
    early_stopping: EarlyStoppingConfig | None = None
    max_epochs: int | None = Field(None, ge=1)
    batch_size: int | None = Field(None, ge=1)
    train_samples: int | None = Field(None, ge=1)
    label_smoothing: float = Field(0.0, ge=0.0, lt=1.0)
    seeds: list[Seed] = Field(default_factory=lambda: [42], min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _fold_regularizers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        spec = {**data, "model": dict(data.get("model") or {})}
        spec["penalties"] = list(spec.get("penalties") or [])
        chosen = dict(spec.get("regularizers") or {})
        if "none" in chosen and len(chosen) > 1:
            raise ValueError(f"regularizers: 'none' cannot be combined with {sorted(chosen)}")
        parsed = {name: parse_regularizer(name, options) for name, options in chosen.items()}
        for regularizer in parsed.values():
            regularizer.apply(spec)
        spec["regularizers"] = {name: r.model_dump() for name, r in parsed.items()}
        if spec.get("regularizer") in (None, "none"):
            spec["regularizer"] = applied_label(spec)
        return spec

    @field_validator("regularizer")
    @classmethod
    def _known_label(cls, label: str) -> str:
        for part in label.split("+"):
            check_registered(REGULARIZERS, part)
        return label

    @field_validator("model")
    @classmethod
    def _dropout_range(cls, options: dict[str, Any]) -> dict[str, Any]:
        p = options.get("dropout", 0.0)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"model.dropout must be in [0, 1), got {p}")
        return options

    @model_validator(mode="after")
    def _options_exist(self) -> VariantSpec:
        if self.architecture in ARCHITECTURES:
            check_model_options(self.architecture, self.model)
        return self

    def all_penalties(self) -> list[PenaltySpec]:
        """``penalty`` and ``penalties`` together."""
        return ([self.penalty] if self.penalty else []) + list(self.penalties)

    def trainer_config(self, base: TrainerConfig) -> TrainerConfig:
        """``base`` with this variant's ``max_epochs``, ``batch_size`` and ``early_stopping``."""
        update: dict[str, Any] = {}
        if self.max_epochs is not None:
            update["max_epochs"] = self.max_epochs
        if self.batch_size is not None:
            update["batch_size"] = self.batch_size
        if self.early_stopping is not None:
            update["early_stopping"] = self.early_stopping.model_dump()
        if base.epoch_limit is not None:
            update["max_epochs"] = min(update.get("max_epochs", base.max_epochs), base.epoch_limit)
        return base.override(**update)


def applied_label(spec: dict[str, Any]) -> str:
    """The names of the regularizers a raw variant applies, in registry order, or ``none``.

    Model options count with the architecture's defaults (AlexNet has dropout and LRN).
    """
    architecture = spec.get("architecture")
    defaults = model_defaults(architecture) if architecture in ARCHITECTURES else {}
    model = {**defaults, **(spec.get("model") or {})}
    optimizer = spec.get("optimizer") or {}
    if isinstance(optimizer, BaseModel):
        optimizer = optimizer.model_dump()
    penalties = [spec.get("penalty")] + list(spec.get("penalties") or [])
    penalty_names = {p["name"] if isinstance(p, dict) else p.name for p in penalties if p}
    stopping = spec.get("early_stopping")
    if isinstance(stopping, BaseModel):
        stopping = stopping.model_dump()
    decay = optimizer.get("weight_decay", 0) > 0
    applied = {
        "l1": "l1" in penalty_names,
        "l2": "l2" in penalty_names or (decay and optimizer.get("name") != "adamw"),
        "elastic_net": "elastic_net" in penalty_names,
        "weight_decay": decay and optimizer.get("name") == "adamw",
        "dropout": (model.get("dropout") or 0) > 0,
        "batch_norm": bool(model.get("batch_norm")),
        "lrn": bool(model.get("lrn")),
        "early_stopping": bool(stopping and stopping.get("enabled", True)),
        "augmentation": bool(spec.get("augment")),
        "max_norm": spec.get("max_norm") is not None,
    }
    names = [name for name in REGULARIZERS if applied.get(name)]
    return "+".join(names) or "none"

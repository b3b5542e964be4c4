"""The search space: declared in YAML, sampled by Optuna, turned into a ``VariantSpec``.

Each hyperparameter is a list of choices (categorical) or a range (``low``/``high``,
optionally ``log``). The grid sampler needs finite values, so a range used with it
carries ``grid:``. The sampled values map onto the ``tunable_cnn`` architecture, an
optimizer and an explicit L2 penalty (not the optimizer's weight decay: with Adam the two
differ, Loshchilov & Hutter 2019).
"""

from __future__ import annotations

from typing import Any

import optuna
from pydantic import Field, field_validator, model_validator

from dl_lab.config import RegisteredList, StrictModel
from dl_lab.models.activations import ACTIVATIONS
from dl_lab.training.config import PenaltySpec, VariantSpec
from dl_lab.training.optimizers import OPTIMIZERS, OptimizerConfig

ARCHITECTURE = "tunable_cnn"
MODEL_KEYS = ("conv_layers", "filters", "dense_units", "dropout", "activation")


class FloatRange(StrictModel):
    """A float drawn from [low, high], log-uniformly if ``log``; ``grid`` for the grid sampler."""

    low: float
    high: float
    log: bool = False
    grid: list[float] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> FloatRange:
        if not self.low < self.high:
            raise ValueError(f"low must be < high, got low={self.low}, high={self.high}")
        if self.log and self.low <= 0:
            raise ValueError(f"a log range needs low > 0, got low={self.low}")
        outside = [v for v in self.grid or [] if not self.low <= v <= self.high]
        if outside:
            raise ValueError(f"grid values {outside} lie outside [{self.low}, {self.high}]")
        return self


class SearchSpace(StrictModel):
    """What the study searches (course 1.10b, 1.22, 2.23). Lists are categorical choices."""

    lr: FloatRange
    batch_size: list[int] = Field(min_length=1)
    optimizer: RegisteredList(OPTIMIZERS) = Field(min_length=1)
    conv_layers: list[int] = Field([2], min_length=1)
    filters: list[int] = Field(min_length=1)
    dense_units: list[int] = Field(min_length=1)
    dropout: FloatRange
    l2: FloatRange
    activation: RegisteredList(ACTIVATIONS) = Field(min_length=1)

    @field_validator("batch_size", "conv_layers", "filters", "dense_units")
    @classmethod
    def _positive(cls, values: list[int]) -> list[int]:
        if any(v < 1 for v in values):
            raise ValueError(f"choices must be >= 1, got {values}")
        return values

    @model_validator(mode="after")
    def _dropout_range(self) -> SearchSpace:
        if self.dropout.low < 0 or self.dropout.high >= 1:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout}")
        return self

    def ranges_without_grid(self) -> list[str]:
        """Names of ranges that have no ``grid`` values (the grid sampler cannot use them)."""
        return [n for n, v in self if isinstance(v, FloatRange) and v.grid is None]

    def grid(self) -> dict[str, list[Any]]:
        """The grid sampler's space: choices as they are, ranges by their ``grid`` values."""
        return {n: list(v.grid) if isinstance(v, FloatRange) else list(v) for n, v in self}


def suggest(trial: optuna.Trial, space: SearchSpace) -> dict[str, Any]:
    """Draw one configuration from ``space`` through ``trial``."""
    params: dict[str, Any] = {}
    for name, spec in space:
        if isinstance(spec, FloatRange):
            params[name] = trial.suggest_float(name, spec.low, spec.high, log=spec.log)
        else:
            params[name] = trial.suggest_categorical(name, spec)
    return params


def to_variant(params: dict[str, Any], seed: int) -> tuple[VariantSpec, int]:
    """The training variant and batch size that a sampled configuration stands for."""
    variant = VariantSpec(
        architecture=ARCHITECTURE,
        model={key: params[key] for key in MODEL_KEYS},
        optimizer=OptimizerConfig(name=params["optimizer"], lr=params["lr"]),
        regularizer="l2",
        penalty=PenaltySpec(name="l2", strength=params["l2"]),
        seeds=[seed],
    )
    return variant, int(params["batch_size"])

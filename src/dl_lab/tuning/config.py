"""Validated parameter blocks of the study (Kedro checks typed node parameters early)."""

from __future__ import annotations

import importlib.util

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dl_lab.tuning.samplers import PRUNERS, SAMPLERS
from dl_lab.tuning.space import SearchSpace, known


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SamplerConfig(_Strict):
    """How trials are proposed: ``tpe`` (default), ``random``, ``grid`` or ``cmaes``."""

    name: str = "tpe"
    n_startup_trials: int = Field(5, ge=0, description="random trials before TPE/CMA-ES model")

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        known(SAMPLERS, name)
        if name == "cmaes" and importlib.util.find_spec("cmaes") is None:
            raise ValueError("sampler 'cmaes' needs the `cmaes` package, which is not installed")
        return name


class PrunerConfig(_Strict):
    """When to stop a trial early: ``median`` (default), ``hyperband``, ``successive_halving``
    or ``none``."""

    name: str = "median"
    n_startup_trials: int = Field(3, ge=0, description="median: trials never pruned")
    n_warmup_steps: int = Field(1, ge=0, description="median: epochs before pruning starts")
    reduction_factor: int = Field(
        3, ge=2, description="hyperband, successive_halving: keep 1/eta per rung"
    )

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        return known(PRUNERS, name)


class StorageConfig(_Strict):
    """Where the study lives; heartbeats let a crashed trial be failed and retried (RDB only)."""

    url: str = "sqlite:///data/06_models/optuna.db"
    heartbeat_interval: int | None = Field(60, ge=1, description="seconds; null disables")
    grace_period: int | None = Field(120, ge=1, description="seconds without heartbeat = crash")
    max_retry: int = Field(2, ge=0, description="retries of one crashed trial")

    @field_validator("url")
    @classmethod
    def _scheme(cls, url: str) -> str:
        allowed = ("sqlite:///", "postgresql", "mysql", "journal:")
        if not url.startswith(allowed):
            raise ValueError(f"storage url {url!r} must start with one of {', '.join(allowed)}")
        return url


class TrialConfig(_Strict):
    """How one trial trains: few epochs on a stratified subset of the training split."""

    max_epochs: int = Field(5, ge=1)
    train_subset: int | None = Field(2000, ge=10, description="stratified subset; null = all")
    accelerator: str = "auto"
    deterministic: bool = True


class FinalConfig(_Strict):
    """The best configuration retrained on train+val for a fixed number of epochs."""

    epochs: int | None = Field(None, ge=1, description="null: the best trial's best epoch")
    accelerator: str = "auto"


class TuningConfig(_Strict):
    """The whole study: name, budget, sampler, pruner, storage, trial training, space."""

    study_name: str = Field(min_length=1)
    n_trials: int = Field(ge=1, description="total over every session, not an increment")
    worker: int = Field(0, ge=0, description="index of this worker when several share a study")
    sampler: SamplerConfig = SamplerConfig()
    pruner: PrunerConfig = PrunerConfig()
    storage: StorageConfig = StorageConfig()
    trial: TrialConfig = TrialConfig()
    final: FinalConfig = FinalConfig()
    search_space: SearchSpace

    @model_validator(mode="after")
    def _grid_is_finite(self) -> TuningConfig:
        missing = self.search_space.ranges_without_grid()
        if self.sampler.name == "grid" and missing:
            raise ValueError(
                f"sampler 'grid' needs `grid:` values for the ranges {', '.join(missing)} "
                "in tuning.search_space"
            )
        return self

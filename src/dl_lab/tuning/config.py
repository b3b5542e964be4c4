"""Validated parameter blocks of the study (Kedro checks typed node parameters early).

Trials and the final retrain train through the one trainer (``training.fit.train``) with
the study's ``trainer`` block; ``trial`` and ``final`` only override it: a trial's epoch
budget and batch size, the final retrain's fixed epochs, and for both no early stopping
(the pruner stops trials; the final retrain has no validation split) and nothing to resume.
"""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from dl_lab.config import Registered, StrictModel
from dl_lab.training.config import TrainerConfig
from dl_lab.tuning.samplers import PRUNERS, SAMPLERS
from dl_lab.tuning.space import SearchSpace

STORAGE_SCHEMES = ("sqlite:///", "postgresql", "mysql", "journal:")
NO_STOPPING = {"enabled": False}


class SamplerConfig(StrictModel):
    """How trials are proposed: ``tpe`` (default), ``random``, ``grid`` or ``cmaes``."""

    name: Registered(SAMPLERS) = "tpe"
    n_startup_trials: int = Field(5, ge=0, description="random trials before TPE/CMA-ES model")

    @field_validator("name")
    @classmethod
    def _installed(cls, name: str) -> str:
        if name == "cmaes" and importlib.util.find_spec("cmaes") is None:
            raise ValueError("sampler 'cmaes' needs the `cmaes` package, which is not installed")
        return name


class PrunerConfig(StrictModel):
    """When to stop a trial early: ``median`` (default), ``hyperband``, ``successive_halving``
    or ``none``."""

    name: Registered(PRUNERS) = "median"
    n_startup_trials: int = Field(3, ge=0, description="median: trials never pruned")
    n_warmup_steps: int = Field(1, ge=0, description="median: epochs before pruning starts")
    reduction_factor: int = Field(
        3, ge=2, description="hyperband, successive_halving: keep 1/eta per rung"
    )


class StorageConfig(StrictModel):
    """Where the study lives; heartbeats let a crashed trial be failed and retried (RDB only)."""

    url: str = "sqlite:///data/06_models/optuna.db"
    heartbeat_interval: int | None = Field(60, ge=1, description="seconds; null disables")
    grace_period: int | None = Field(120, ge=1, description="seconds without heartbeat = crash")
    max_retry: int = Field(2, ge=0, description="retries of one crashed trial")

    @field_validator("url")
    @classmethod
    def _scheme(cls, url: str) -> str:
        if not url.startswith(STORAGE_SCHEMES):
            raise ValueError(
                f"storage url {url!r} must start with one of {', '.join(STORAGE_SCHEMES)} "
                "(several workers on one study: PostgreSQL, MySQL or a journal file)"
            )
        if urlsplit(url).password is not None:
            raise ValueError(
                "storage url carries a password, and parameters are logged to MLflow: leave "
                "it out (postgresql://user@host/db) and give it as PGPASSWORD, in the "
                "environment or under `environment:` in the run's credentials.yml "
                "(conf/local/credentials.yml for a plain kedro run), or in ~/.pgpass "
                "(docs/scale.md)"
            )
        return url


class TrialConfig(StrictModel):
    """How one trial trains: few epochs on a stratified subset of the training split."""

    max_epochs: int = Field(5, ge=1)
    train_subset: int | None = Field(2000, ge=10, description="stratified subset; null = all")

    def trainer_config(self, base: TrainerConfig, batch_size: int) -> TrainerConfig:
        """``base`` for one trial: its epoch budget and sampled batch size."""
        return base.override(
            max_epochs=self.max_epochs,
            batch_size=batch_size,
            early_stopping=NO_STOPPING,
            resume=False,
        )


class FinalConfig(StrictModel):
    """The best configuration retrained on train+val for a fixed number of epochs."""

    epochs: int | None = Field(None, ge=1, description="null: the best trial's best epoch")

    def trainer_config(
        self, base: TrainerConfig, best_epoch: int, batch_size: int
    ) -> TrainerConfig:
        """``base`` for the final retrain: ``epochs`` (else ``best_epoch``), the best batch size."""
        return base.override(
            max_epochs=self.epochs or best_epoch,
            batch_size=batch_size,
            early_stopping=NO_STOPPING,
            resume=False,
        )


class TuningConfig(StrictModel):
    """The whole study: name, budget, sampler, pruner, storage, trainer, trials, space."""

    study_name: str = Field(min_length=1)
    n_trials: int = Field(ge=1, description="total over every session, not an increment")
    worker: int = Field(0, ge=0, description="index of this worker when several share a study")
    wait_for_workers: int | None = Field(
        None,
        ge=0,
        description="seconds the kedro run waits, its own trials done, for the trials other "
        "workers still train (null: as long as they run, where heartbeats tell a dead "
        "worker's trial (RDB); with a journal file, storage.grace_period)",
    )
    sampler: SamplerConfig = SamplerConfig()
    pruner: PrunerConfig = PrunerConfig()
    storage: StorageConfig = StorageConfig()
    trainer: TrainerConfig = TrainerConfig(devices=1)
    trial: TrialConfig = TrialConfig()
    final: FinalConfig = FinalConfig()
    search_space: SearchSpace

    def worker_wait_s(self) -> int | None:
        """How long the kedro run waits for other workers' trials (``wait_for_workers``)."""
        if self.wait_for_workers is not None:
            return self.wait_for_workers
        heartbeats = not self.storage.url.startswith("journal:")
        heartbeats = heartbeats and self.storage.heartbeat_interval is not None
        return None if heartbeats else (self.storage.grace_period or 0)

    @model_validator(mode="after")
    def _grid_is_finite(self) -> TuningConfig:
        missing = self.search_space.ranges_without_grid()
        if self.sampler.name == "grid" and missing:
            raise ValueError(
                f"sampler 'grid' needs `grid:` values for the ranges {', '.join(missing)} "
                "in tuning.search_space"
            )
        return self

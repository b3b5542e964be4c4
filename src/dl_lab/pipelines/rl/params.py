"""Parameter blocks of the rl pipeline, validated before any node runs.

Each study names an algorithm (a key of the agent registry), an environment id, the agent
options shared by its variants, and the variants (a name and the options it changes).
``rl_budget`` holds every size (seeds, episodes, steps); it is the one block that
``conf/test`` overrides, and its keys are checked against the configs they override.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dl_lab.rl.agents import AGENTS, config_fields, make_config
from dl_lab.rl.envs import ENVIRONMENTS
from dl_lab.rl.shaping import POTENTIALS, SHAPINGS

# which algorithm's options each entry of rl_budget overrides
BUDGET_TARGETS = {
    "gridworld": "q_learning",
    "dqn": "dqn",
    "reinforce": "reinforce",
    "exploration_gridworld": "q_learning",
    "exploration_cartpole": "dqn",
    "shaping_mountaincar": "q_learning",
    "shaping_trap": "q_learning",
}


# stands in for the run's seed while a study's options are checked; nothing runs with it
_CHECK_SEED = 0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Budget(_Strict):
    """Seeds, evaluation size and, per study, the config sizes it sets."""

    seeds: list[int] = Field(min_length=1)
    eval_episodes: int = Field(100, ge=1)
    eval_seed: int
    overrides: dict[str, dict[str, int | float]]
    variant_seeds: dict[str, int] = {}
    """``"<study>.<variant>": n`` runs that variant on the first ``n`` seeds only."""

    @field_validator("overrides")
    @classmethod
    def _known_keys(cls, overrides: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for study, options in overrides.items():
            if study not in BUDGET_TARGETS:
                raise ValueError(
                    f"rl_budget.overrides.{study}: unknown study; allowed: {list(BUDGET_TARGETS)}"
                )
            allowed = config_fields(BUDGET_TARGETS[study])
            for key in options:
                if key not in allowed:
                    raise ValueError(
                        f"rl_budget.overrides.{study}.{key}: unknown option; allowed: {allowed}"
                    )
        return overrides

    def options(self, study: str) -> dict[str, int | float]:
        """The sizes ``study`` runs at."""
        return self.overrides.get(study, {})

    def seeds_for(self, study: str, variant: str) -> list[int]:
        """The seeds ``variant`` of ``study`` runs on."""
        return self.seeds[: self.variant_seeds.get(f"{study}.{variant}", len(self.seeds))]


class Study(_Strict):
    """An algorithm on an environment, with shared options and named variants."""

    algorithm: str
    env_id: str
    env_kwargs: dict[str, Any] = {}
    agent: dict[str, Any] = {}
    variants: dict[str, dict[str, Any]] = Field(min_length=1)

    @field_validator("algorithm")
    @classmethod
    def _known_algorithm(cls, name: str) -> str:
        return AGENTS.check(name)

    @field_validator("env_id")
    @classmethod
    def _known_env(cls, env_id: str) -> str:
        return ENVIRONMENTS.check(env_id)

    @model_validator(mode="after")
    def _variants_build(self) -> Study:
        for name, options in self.variants.items():
            try:
                make_config(self.algorithm, {**self.agent, **options}, seed=_CHECK_SEED)
            except Exception as err:
                raise ValueError(f"variant {name!r}: {err}") from err
        return self

    def options(self, variant: str, budget: dict[str, Any]) -> dict[str, Any]:
        """Shared options, then the variant's, then the budget's sizes."""
        return {**self.agent, **self.variants[variant], **budget}


class GridWorldParams(_Strict):
    """The course's grid (4.18): value iteration's discount and the Q-learning study."""

    gamma: float = Field(0.9, gt=0, lt=1)
    q_learning: Study


class ShapingParams(_Strict):
    """Reward shaping (4.17): MountainCar with and without PBRS, and the trap grid."""

    mountaincar: Study
    mountaincar_bins: int = Field(20, ge=2)
    mountaincar_potential: str = "mountaincar_energy"
    mountaincar_scale: float = 100.0
    trap: Study
    trap_rows: int = Field(8, ge=2)
    trap_potential: str = "manhattan"
    trap_scale: float = 1.0
    sweep_gammas: list[float] = Field(min_length=1)
    sweep_scales: list[float] = Field(min_length=1)
    sweep_potentials: list[str] = Field(min_length=1)

    @field_validator("mountaincar_potential", "trap_potential")
    @classmethod
    def _known_potential(cls, name: str) -> str:
        return POTENTIALS.check(name)

    @field_validator("sweep_potentials")
    @classmethod
    def _known_potentials(cls, names: list[str]) -> list[str]:
        return [POTENTIALS.check(name) for name in names]

    @model_validator(mode="after")
    def _variants_are_shapings(self) -> ShapingParams:
        for study in (self.mountaincar, self.trap):
            for variant in study.variants:
                SHAPINGS.check(variant)
        return self

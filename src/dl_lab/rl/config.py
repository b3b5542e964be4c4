"""The parameter models of rl studies, validated before any agent trains.

A study is an algorithm (a key of ``AGENTS``) on an environment, the agent options its
variants share, the variants (a name and the options it changes) and its ``budget`` (the
sizes a smaller configuration shrinks). Its ``kind`` names the model below that validates
it (``STUDY_KINDS``) and what is trained and drawn for it. ``Budget`` holds the seeds and
the size of the final greedy evaluations.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from dl_lab.config import Registered, RegisteredList, Seed, StrictModel, check_all_registered
from dl_lab.rl.agents import AGENTS, make_config
from dl_lab.rl.envs import ENVIRONMENTS
from dl_lab.rl.shaping import POTENTIALS, SHAPINGS, trap_layout

# stands in for the run's seed while a study's options are checked; nothing runs with it
_CHECK_SEED = 0


class Budget(StrictModel):
    """The seeds every study runs on, and the size of every final greedy evaluation."""

    seeds: list[Seed] = Field(min_length=1)
    eval_episodes: int = Field(100, ge=1)
    eval_seed: Seed
    variant_seeds: dict[str, int] = {}
    """``"<study>.<variant>": n`` runs that variant on the first ``n`` seeds only."""

    def seeds_for(self, study: str, variant: str) -> list[int]:
        """The seeds ``variant`` of ``study`` runs on."""
        return self.seeds[: self.variant_seeds.get(f"{study}.{variant}", len(self.seeds))]


class Curves(StrictModel):
    """How a study's return curves are drawn."""

    title: str
    x: Literal["episode", "env_steps"] = "episode"


class Study(StrictModel):
    """An algorithm on an environment, with shared options, named variants and sizes."""

    kind: str
    algorithm: Registered(AGENTS)
    env_id: Registered(ENVIRONMENTS)
    env_kwargs: dict[str, Any] = {}
    agent: dict[str, Any] = {}
    variants: dict[str, dict[str, Any]] = Field(min_length=1)
    budget: dict[str, int | float] = {}
    curves: Curves
    solved_return: float | None = None
    """the mean greedy return that counts as solved (None: the table leaves it open)"""
    eval_episodes: int | None = Field(None, ge=1)
    """greedy episodes of each agent's final evaluation (None: ``rl_budget.eval_episodes``);
    fewer where fewer say as much: one on a deterministic grid, whose greedy episodes are
    all the same"""

    @model_validator(mode="after")
    def _variants_build(self) -> Study:
        for name in self.variants:
            try:
                make_config(self.algorithm, self.options(name), seed=_CHECK_SEED)
            except Exception as err:
                raise ValueError(f"variant {name!r}: {err}") from err
        return self

    def final_episodes(self, budget: Budget) -> int:
        """The greedy episodes of each agent's final evaluation."""
        return self.eval_episodes or budget.eval_episodes

    def options(self, variant: str) -> dict[str, Any]:
        """Shared options, then the variant's, then the study's sizes."""
        return {**self.agent, **self.variants[variant], **self.budget}

    @property
    def layout(self) -> dict[str, Any]:
        """The keyword arguments of the environment its agents train on."""
        return dict(self.env_kwargs)


class SavedAgentStudy(Study):
    """A study whose best agent is saved (``rl_<saved_as>_agent``) and reloaded to check."""

    saved_as: str
    frames: str | None = None
    """draw one greedy episode of the saved agent as ``rl_<frames>_frames_plot``"""


class GridWorldStudy(SavedAgentStudy):
    """The course's grid (4.18): Q-learning, checked against value iteration's optimum."""

    kind: Literal["gridworld"]
    value_gamma: float = Field(0.9, gt=0, lt=1)
    """value iteration's discount"""
    checks: dict[Literal["distractor", "trap"], str] = {}
    """the other studies whose grids gymnasium's env checker checks"""


class DQNStudy(SavedAgentStudy):
    """DQN variants (4.14), with periodic greedy evaluations."""

    kind: Literal["dqn"]
    evaluations_title: str


class ReinforceStudy(SavedAgentStudy):
    """REINFORCE variants (4.16), with gradient-variance probes."""

    kind: Literal["reinforce"]
    variance_title: str


class ExplorationStudy(Study):
    """Exploration strategies as variants (4.3, 4.25)."""

    kind: Literal["exploration"]


class ShapedStudy(Study):
    """Reward shaping (4.17): each variant's name is a kind of shaping with ``potential``."""

    potential: Registered(POTENTIALS)
    scale: float = 1.0

    @model_validator(mode="after")
    def _variants_are_shapings(self) -> ShapedStudy:
        check_all_registered(SHAPINGS, list(self.variants))
        return self


class ShapingStudy(ShapedStudy):
    """Q-learning on a classic-control task discretized to ``bins`` x ``bins`` cells."""

    kind: Literal["shaping"]
    bins: int = Field(20, ge=2)


class Sweep(StrictModel):
    """The combinations solved exactly on the raw and the shaped grid."""

    gammas: list[float] = Field(min_length=1)
    scales: list[float] = Field(min_length=1)
    potentials: RegisteredList(POTENTIALS) = Field(min_length=1)


class TrapStudy(ShapedStudy):
    """The trap grid with ``rows`` rows, where -Δd shaping changes the optimal policy."""

    kind: Literal["shaping_trap"]
    rows: int = Field(8, ge=2)
    sweep: Sweep

    @property
    def layout(self) -> dict[str, Any]:
        return trap_layout(self.rows)


STUDY_KINDS: dict[str, type[Study]] = {
    "gridworld": GridWorldStudy,
    "dqn": DQNStudy,
    "reinforce": ReinforceStudy,
    "exploration": ExplorationStudy,
    "shaping": ShapingStudy,
    "shaping_trap": TrapStudy,
}

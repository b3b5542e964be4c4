"""The ``rl.findings`` block: which study answers which course question, and the tolerance
of every rule; ``check_studies`` names what it asks for that the studies lack."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dl_lab.config import StrictModel


class CourseGrid(StrictModel):
    """The course's grid (4.18) as the course states it: what the environment is checked
    against."""

    size: tuple[int, int]
    start: tuple[int, int]
    goal: tuple[int, int]
    goal_reward: float
    step_reward: float


class GridWorldFindings(StrictModel):
    """4.18: the env check, value iteration and the greedy Q-learning agents."""

    study: str
    course_grid: CourseGrid
    value_tolerance: float = Field(ge=0)
    path_tolerance: float = Field(ge=0)
    return_tolerance: float = Field(ge=0)


class DQNFindings(StrictModel):
    """4.14: the DQN variants' final greedy returns, and CartPole-v1 as gymnasium registers it."""

    study: str
    variants: list[str] = Field(min_length=1)
    threshold_tolerance: float = Field(ge=0)
    return_tolerance: float = Field(ge=0)


class ReinforceFindings(StrictModel):
    """4.16: gradient variance and learning speed with and without the baseline."""

    study: str
    baseline: str
    no_baseline: str
    variance_margin: float = Field(ge=0)
    return_margin: float = Field(ge=0)


class ExplorationFindings(StrictModel):
    """4.25: every exploring variant against the greedy one, study by study."""

    greedy: str
    margins: dict[str, float] = Field(min_length=1)
    """study -> the return margin an exploring variant must beat greedy by"""


class ShapingFindings(StrictModel):
    """4.3 and 4.17: raw reward against shaping, on a classic-control task and the trap grid."""

    task: str
    trap: str
    raw: str
    potential: str
    heuristic: str
    """the course's -Δd shaping (a shaping name of the trap study's sweep)"""
    shaped: list[str] = Field(min_length=1)
    episode_margin: float = Field(ge=0)
    learned_window: int = Field(ge=1)
    learned_fraction: float = Field(gt=0, le=1)
    optimal_share: float = Field(gt=0, le=1)
    min_changed: int = Field(ge=1)


class FindingsConfig(StrictModel):
    """Which study answers which course question, and the tolerance of every rule."""

    gridworld: GridWorldFindings
    dqn: DQNFindings
    reinforce: ReinforceFindings
    exploration: ExplorationFindings
    shaping: ShapingFindings

    def named(self) -> list[tuple[str, str, str, list[str]]]:
        """(question, study, its kind, variants) of every study and variant the block names."""
        g, d, r, e, s = self.gridworld, self.dqn, self.reinforce, self.exploration, self.shaping
        return [
            ("4.18", g.study, "gridworld", []),
            ("4.14", d.study, "dqn", d.variants),
            ("4.16", r.study, "reinforce", [r.baseline, r.no_baseline]),
            *(("4.25", study, "exploration", [e.greedy]) for study in e.margins),
            ("4.3", s.task, "shaping", [s.raw, s.potential]),
            ("4.3/4.17", s.trap, "shaping_trap", [s.raw, s.potential, s.heuristic, *s.shaped]),
        ]

    def check_studies(self, studies: dict[str, dict[str, Any]]) -> None:
        """Fail naming every study (of the right kind) or variant the block names that
        ``studies`` lacks."""
        missing = []
        for question, study, kind, variants in self.named():
            block = studies.get(study)
            if block is None or block.get("kind") != kind:
                missing.append(f"{question}: a {kind} study {study!r}")
                continue
            missing += [
                f"{question}: variant {study}.{v}" for v in variants if v not in block["variants"]
            ]
        if missing:
            raise ValueError(
                f"rl.findings names what the studies lack ({'; '.join(missing)}); "
                f"studies: {', '.join(studies)}"
            )

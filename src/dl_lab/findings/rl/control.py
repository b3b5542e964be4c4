"""Course claims the deep-agent and exploration studies answer: 4.14 (DQN on CartPole-v1),
4.16 (REINFORCE with and without a baseline) and 4.25 (exploration strategies)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from dl_lab.course.questions import Course
from dl_lab.course.rules import at_least, combine, direction, holds, within
from dl_lab.findings.rl.config import DQNFindings, ExplorationFindings, ReinforceFindings
from dl_lab.findings.rl.measures import (
    EVALUATION,
    Tables,
    answer,
    by_seed,
    difference,
    paired,
    plot_file,
    spread,
    table_file,
)

Row = dict[str, Any]


def _dqn_rows(t: Tables, cfg: DQNFindings):
    table = t.evaluation
    return table[(table["study"] == cfg.study) & table["variant"].isin(cfg.variants)]


def dqn_reaches(t: Tables, cfg: DQNFindings, course: Course) -> Row:
    """4.14: each DQN variant's final greedy return reaches the course's 450-500 band (500 is
    CartPole-v1's most, so the band is read as at least its lower end)."""
    low = float(min(course.claim("4.14-reaches").value)) - cfg.return_tolerance
    checks, texts = [], []
    for variant in cfg.variants:
        returns = by_seed(t.evaluation, variant, "eval_mean_return", cfg.study).to_numpy()
        checks.append(at_least(returns, low, f"{variant} mean greedy return"))
        texts.append(f"{variant} {spread(returns)}")
    episodes = int(_dqn_rows(t, cfg)["eval_episodes"].min())
    measured = f"mean greedy return over {episodes} episodes: " + "; ".join(texts)
    evidence = [table_file(f"{cfg.study}_evaluation"), plot_file(f"{cfg.study}_evaluations")]
    return answer(course, "4.14-reaches", measured, combine(checks), evidence)


def _env_id(t: Tables, cfg: DQNFindings) -> str:
    return str(_dqn_rows(t, cfg)["env_id"].iloc[0])


def dqn_solved(t: Tables, cfg: DQNFindings, course: Course) -> Row:
    """4.14: gymnasium registers CartPole-v1 as solved at the course's 475."""
    env_id, expected = _env_id(t, cfg), float(course.claim("4.14-solved").value)
    threshold = float(gym.spec(env_id).reward_threshold)
    rows = _dqn_rows(t, cfg)
    solved = rows["eval_mean_return"] >= expected
    measured = (
        f"gymnasium registers {env_id} with reward_threshold {threshold:g}; "
        f"{int(solved.sum())} of {len(rows)} DQN agents reach a mean greedy return of "
        f"{expected:g} over {int(rows['eval_episodes'].min())} episodes"
    )
    # the registered constant of the environment, no agent's measurement: exact
    what = f"{env_id} reward_threshold"
    verdict = within(threshold, expected, cfg.threshold_tolerance, what, exact=True)
    return answer(course, "4.14-solved", measured, verdict, [table_file(f"{cfg.study}_evaluation")])


def gymnasium_api(env_id: str, seed: int) -> dict[str, bool]:
    """The gymnasium API the course's gym 0.21 code predates, checked on ``env_id``: a reset
    returns (obs, info), a step five values, and a time limit truncates without terminating."""
    env = gym.make(env_id, max_episode_steps=1)
    reset = env.reset(seed=seed)
    step = env.step(env.action_space.sample())
    env.close()
    return {
        "reset returns (obs, info)": len(reset) == 2 and isinstance(reset[1], dict),
        "step returns (obs, reward, terminated, truncated, info)": len(step) == 5,
        "a time limit sets truncated, not terminated": bool(step[3]) and not step[2],
        f"{env_id} is cut at {gym.spec(env_id).max_episode_steps} steps": (
            gym.spec(env_id).max_episode_steps is not None
        ),
    }


def dqn_api(t: Tables, cfg: DQNFindings, course: Course) -> Row:
    """4.14 (corrected): the gymnasium API, in place of the course's gym 0.21."""
    cases = gymnasium_api(_env_id(t, cfg), t.budget.eval_seed)
    measured = f"gymnasium {gym.__version__}: " + "; ".join(
        f"{case}: {'yes' if ok else 'no'}" for case, ok in cases.items()
    )
    verdict = holds(list(cases.values()), "the gymnasium API")
    return answer(course, "4.14-api", measured, verdict, [table_file(f"{cfg.study}_evaluation")])


def _log_variance(t: Tables, estimator: str):
    probes = t.gradient_variance[t.gradient_variance["estimator"] == estimator]
    logs = np.log10(probes.set_index(["variant", "seed"])["grad_variance"].astype(float))
    return logs.groupby(level=["variant", "seed"]).mean()


def baseline_helps(t: Tables, cfg: ReinforceFindings, course: Course) -> Row:
    """4.16: the baseline lowers the gradient variance (both estimators on the same probe
    episodes of every run) and speeds learning (mean training return, paired by seed)."""
    with_b = _log_variance(t, "baseline")
    without_b = _log_variance(t, "no_baseline").loc[with_b.index]
    names = ("log10 variance with V(s)", "without")
    a, b = with_b.to_numpy(), without_b.to_numpy()
    variance = direction(a, b, "a<b", cfg.variance_margin, names)
    returns = t.reinforce_returns.groupby(["variant", "seed"])["episode_return"].mean()
    fast, slow = paired(returns.loc[cfg.baseline], returns.loc[cfg.no_baseline])
    names = (f"{cfg.no_baseline} mean training return", cfg.baseline)
    speed = direction(slow, fast, "a<b", cfg.return_margin, names)
    measured = (
        f"log10 gradient variance without minus with V(s), mean over the probes of each of "
        f"{len(a)} runs: {spread(b - a, unit='runs')} (x{10 ** (b - a).mean():.2f}); "
        f"mean training return {cfg.baseline} {spread(fast)} vs {cfg.no_baseline} "
        f"{spread(slow)}, {difference(slow, fast)}"
    )
    evidence = [
        table_file(f"{cfg.study}_gradient_variance"),
        plot_file(f"{cfg.study}_gradient_variance"),
        plot_file(f"{cfg.study}_curves"),
    ]
    return answer(course, "4.16-baseline", measured, combine([variance, speed]), evidence)


def strategies_explore(t: Tables, cfg: ExplorationFindings, course: Course) -> Row:
    """4.25: each exploration strategy finds a better greedy policy than pure greedy."""
    checks, texts = [], []
    for study, margin in cfg.margins.items():
        rows = t.evaluation[t.evaluation["study"] == study]
        greedy, parts = by_seed(rows, cfg.greedy, "eval_mean_return"), []
        for variant in (v for v in rows["variant"].unique() if v != cfg.greedy):
            a, b = paired(greedy, by_seed(rows, variant, "eval_mean_return"))
            checks.append(direction(a, b, "a<b", margin, (f"{study} {cfg.greedy}", variant)))
            parts.append(f"{variant} {spread(b)} ({difference(a, b)})")
        texts.append(f"{study}: {cfg.greedy} {spread(greedy.to_numpy())} vs {', '.join(parts)}")
    measured = "final greedy return: " + "; ".join(texts) + " (no curiosity bonus run)"
    evidence = [EVALUATION, *(plot_file(f"{study}_curves") for study in cfg.margins)]
    return answer(course, "4.25-exploration", measured, combine(checks), evidence)


def control_findings(
    t: Tables,
    dqn: DQNFindings,
    reinforce: ReinforceFindings,
    exploration: ExplorationFindings,
    course: Course,
) -> list[Row]:
    """Every deep-agent and exploration claim this pipeline measures."""
    return [
        dqn_solved(t, dqn, course),
        dqn_reaches(t, dqn, course),
        dqn_api(t, dqn, course),
        baseline_helps(t, reinforce, course),
        strategies_explore(t, exploration, course),
    ]

"""Course claims the grid and shaping studies answer: 4.18 (the course's GridWorld), 4.17
(reward shaping on the trap grid) and 4.3 (sparse reward: episodes to a first success)."""

from __future__ import annotations

from typing import Any

from dl_lab.course.questions import Course
from dl_lab.course.rules import (
    REPRODUCED,
    Verdict,
    at_least,
    combine,
    direction,
    holds,
    within,
)
from dl_lab.findings.rl.config import GridWorldFindings, ShapingFindings
from dl_lab.findings.rl.measures import (
    Episodes,
    Tables,
    answer,
    by_seed,
    comparable,
    first_success,
    learned,
    paired,
    plot_file,
    spread,
    table_file,
)

Row = dict[str, Any]


def course_value(grid: GridWorldFindings, moves: int, gamma: float) -> float:
    """V(start) of the course's grid: ``moves - 1`` step rewards, then the goal, discounted."""
    steps = sum(gamma**k for k in range(moves - 1)) * grid.course_grid.step_reward
    return steps + gamma ** (moves - 1) * grid.course_grid.goal_reward


def grid_env(t: Tables, grid: GridWorldFindings, course: Course) -> Row:
    """4.18: the grid passes the env checker, looks like the course's and pays its rewards."""
    check = t.gridworld_check["course"]
    cells = [line.split() for line in check["ansi"].splitlines()]
    rows, cols = grid.course_grid.size
    moves = int(course.claim("4.18-path").value)
    values = t.gridworld_values.set_index("cell")["value"]
    (sr, sc), (gr, gc) = grid.course_grid.start, grid.course_grid.goal
    start = float(values[str((sr, sc))])
    expected = course_value(grid, moves, t.gridworld.value_gamma)
    # value iteration on the fixed grid against its closed form: arithmetic, no seed: exact
    value = within(start, expected, grid.value_tolerance, "V(start)", exact=True)
    cases = {
        "gymnasium's env checker warns of nothing": check["checker_warnings"] == [],
        f"it renders {rows}x{cols}, start at {(sr, sc)}, goal at {(gr, gc)}": (
            [len(row) for row in cells] == [cols] * rows
            and cells[sr][sc] == "A"
            and cells[gr][gc] == "G"
        ),
        f"{value.reason} ({grid.course_grid.goal_reward:g} at the goal, "
        f"{grid.course_grid.step_reward:g} a step, gamma {t.gridworld.value_gamma:g})": (
            value.verdict == REPRODUCED
        ),
    }
    measured = "; ".join(f"{case}: {'yes' if ok else 'no'}" for case, ok in cases.items())
    evidence = [plot_file(f"{grid.study}_layouts"), table_file(f"{grid.study}_values")]
    return answer(course, "4.18-env", measured, holds(list(cases.values()), "the grid"), evidence)


def grid_path_and_return(t: Tables, grid: GridWorldFindings, course: Course) -> list[Row]:
    """4.18: the greedy path's length and its undiscounted return, seed by seed."""
    table, variants = t.gridworld_evaluation, t.gridworld.variants
    evidence = [table_file(f"{grid.study}_evaluation"), plot_file(f"{grid.study}_q_learning")]
    rows = []
    for claim_id, column, tolerance, what in (
        ("4.18-path", "greedy_path_length", grid.path_tolerance, "greedy path length (moves)"),
        ("4.18-return", "eval_mean_return", grid.return_tolerance, "greedy undiscounted return"),
    ):
        expected = float(course.claim(claim_id).value)
        values = {v: by_seed(table, v, column).to_numpy() for v in variants}
        verdict = combine(
            [within(x, expected, tolerance, f"{v}: {what}") for v, x in values.items()]
        )
        measured = f"{what}: " + "; ".join(f"{v} {spread(x)}" for v, x in values.items())
        rows.append(answer(course, claim_id, measured, verdict, evidence))
    return rows


def pbrs_keeps_policy(t: Tables, cfg: ShapingFindings, course: Course) -> Row:
    """4.17: potential-based shaping keeps the raw-optimal policy in every combination solved
    exactly (the trap study's sweep)."""
    rows = t.trap_sweep[t.trap_sweep["shaping"] == cfg.potential]
    kept = (rows["optimal_action_share"] >= cfg.optimal_share) & rows["reaches_goal"].astype(bool)
    measured = (
        f"value iteration on the trap grid: the PBRS-shaped optimum picks a raw-optimal action in "
        f"every state and reaches the goal in {int(kept.sum())} of {len(rows)} "
        "(gamma, potential, scale) combinations"
    )
    verdict = holds(list(kept), "PBRS keeps the raw-optimal policy")
    return answer(course, "4.17-pbrs", measured, verdict, _trap_evidence(cfg))


def heuristic_changes_policy(t: Tables, cfg: ShapingFindings, course: Course) -> Row:
    """4.17 (corrected): with gamma < 1 the -Δd heuristic can change the optimal policy."""
    sweep = t.trap_sweep
    rows = sweep[(sweep["shaping"] == cfg.heuristic) & (sweep["gamma"] < 1)]
    leaves = ~rows["reaches_goal"].astype(bool)
    changed = (rows["optimal_action_share"] < cfg.optimal_share) | leaves
    pits = int(leaves.sum())
    gammas = ", ".join(f"{g:g}" for g in sorted(rows.loc[changed, "gamma"].unique()))
    measured = (
        f"-Δd changes the raw-optimal policy in {int(changed.sum())} of {len(rows)} combinations "
        f"with gamma < 1 (gamma {gammas or 'none'}), and leads away from the goal in {pits}"
    )
    # an exact enumeration: value iteration over every combination of the sweep, no seed
    what = "combinations changed by -Δd"
    verdict = at_least(int(changed.sum()), cfg.min_changed, what, exact=True)
    return answer(course, "4.17-heuristic", measured, verdict, _trap_evidence(cfg))


def _trap_evidence(cfg: ShapingFindings) -> list[str]:
    return [table_file(f"{cfg.trap}_sweep"), plot_file(f"{cfg.trap}_policies")]


def _fewer(a: Episodes, b: Episodes, names: tuple[str, str], margin: float) -> Verdict:
    """``a`` needs fewer episodes than ``b``, paired by seed."""
    va, vb = paired(a.values, b.values)
    return direction(va, vb, "a<b", margin, names)


def shaping_learns_faster(t: Tables, cfg: ShapingFindings, course: Course) -> Row | None:
    """4.17: each shaping needs fewer episodes than the raw reward to learn the trap grid."""
    target = cfg.learned_fraction * float(t.trap.layout["goal_reward"])
    raw = learned(t.trap_returns, cfg.raw, cfg.learned_window, target)
    checks, texts = [], []
    for kind in cfg.shaped:
        shaped = learned(t.trap_returns, kind, cfg.learned_window, target)
        if comparable(shaped, raw):
            checks.append(_fewer(shaped, raw, (kind, cfg.raw), cfg.episode_margin))
            texts.append(f"{shaped.text(kind)} vs {raw.text(cfg.raw)}")
    if not checks:
        return None  # no run learned: nothing measured
    measured = (
        f"episodes until the {cfg.learned_window}-episode mean raw return reaches {target:g}: "
        + "; ".join(texts)
    )
    evidence = [table_file(f"{cfg.trap}_returns"), plot_file(f"{cfg.trap}_curves")]
    return answer(course, "4.17-faster", measured, combine(checks), evidence)


def sparse_delays_success(t: Tables, cfg: ShapingFindings, course: Course) -> Row | None:
    """4.3: the raw (sparser) reward needs more episodes to a first success than PBRS."""
    checks, texts = [], []
    for study, returns, evaluation in (
        (cfg.task, t.task_returns, t.task_evaluation),
        (cfg.trap, t.trap_returns, t.trap_evaluation),
    ):
        raw = first_success(returns, evaluation, cfg.raw)
        dense = first_success(returns, evaluation, cfg.potential)
        if comparable(dense, raw):
            names = (f"{study} {cfg.potential}", f"{study} {cfg.raw}")
            checks.append(_fewer(dense, raw, names, cfg.episode_margin))
            texts.append(f"{study}: {dense.text(cfg.potential)} vs {raw.text(cfg.raw)}")
    if not checks:
        return None  # no run succeeded: nothing measured
    measured = "episodes to the first success, shaped (denser) vs raw reward: " + "; ".join(texts)
    evidence = [
        path for study in (cfg.task, cfg.trap)
        for path in (table_file(f"{study}_evaluation"), plot_file(f"{study}_curves"))
    ]  # fmt: skip
    return answer(course, "4.3-sparse", measured, combine(checks), evidence)


def grid_findings(
    t: Tables, grid: GridWorldFindings, cfg: ShapingFindings, course: Course
) -> list[Row]:
    """Every grid and shaping claim this pipeline measures (those with nothing measured left out)."""
    rows = [grid_env(t, grid, course), *grid_path_and_return(t, grid, course)]
    rows += [pbrs_keeps_policy(t, cfg, course), heuristic_changes_policy(t, cfg, course)]
    rows += [shaping_learns_faster(t, cfg, course), sparse_delays_success(t, cfg, course)]
    return [row for row in rows if row is not None]

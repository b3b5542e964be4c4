"""The rl findings node on small fabricated tables: a world where the course holds, and
changes to it that put single claims on the other side of their rule; an agent of one seed
leaves its comparison inconclusive, exact computations (value iteration, gymnasium's
registry) decide alone."""

from __future__ import annotations

import pandas as pd
import pytest

from dl_lab.course.questions import load_course
from dl_lab.course.rules import ONE_SEED, VERDICTS
from dl_lab.findings.rl import FindingsConfig
from dl_lab.findings.rl.measures import first_success, learned, spread
from dl_lab.pipelines.rl.params import studies_of
from dl_lab.pipelines.rl.pipeline import create_pipeline

SEEDS = [1, 2, 3]
TRAP_EPISODES, TASK_LENGTH = 100, 200


FINAL_RETURNS = {  # (study, variant) -> final greedy return per seed, where the course holds
    ("dqn", "dqn"): [500.0, 490.0, 498.0],
    ("dqn", "double_dqn"): [500.0, 495.0, 500.0],
    ("dqn", "dueling_dqn"): [480.0, 490.0, 485.0],
    ("exploration_gridworld", "greedy"): [1.0, 1.0, 1.0],
    ("exploration_gridworld", "epsilon_decay"): [10.0, 10.0, 10.0],
    ("exploration_cartpole", "greedy"): [10.0, 12.0, 9.0],
    ("exploration_cartpole", "boltzmann"): [150.0, 160.0, 170.0],
}


def _evaluation(**changes: list[float]) -> pd.DataFrame:
    """rl_evaluation_table: FINAL_RETURNS with ``changes`` (``<study>__<variant>=[...]``)."""
    returns = {**FINAL_RETURNS, **{tuple(k.split("__")): v for k, v in changes.items()}}
    env = {"dqn": "CartPole-v1", "exploration_cartpole": "CartPole-v1"}
    return pd.DataFrame(
        [
            {
                "study": study,
                "variant": variant,
                "env_id": env.get(study, "dl_lab/GridWorld-v0"),
                "seed": seed,
                "eval_episodes": 100,
                "eval_mean_return": value,
            }
            for (study, variant), values in returns.items()
            for seed, value in zip(SEEDS, values, strict=False)
        ]
    )


def _runs(
    events: dict[str, list[int | None]], episodes: int, length: int, goal: float, other: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns and evaluation tables of Q-learning runs whose first success is the episode
    given per seed (None: never); every episode from it on reaches the goal."""
    returns, evaluation = [], []
    for variant, per_seed in events.items():
        for seed, event in zip(SEEDS, per_seed, strict=True):
            for episode in range(1, episodes + 1):
                hit = event is not None and episode >= event
                returns.append(
                    {
                        "variant": variant,
                        "seed": seed,
                        "episode": episode,
                        "env_steps": episode * length,
                        "episode_return": goal if hit else other,
                    }
                )
            step = None if event is None else event * length
            evaluation.append({"variant": variant, "seed": seed, "first_success_step": step})
    return pd.DataFrame(returns), pd.DataFrame(evaluation)


def _sweep(heuristic_changes: bool = True, pbrs_keeps: bool = True) -> pd.DataFrame:
    rows = []
    for gamma in (0.8, 0.99):
        for shaping in ("none", "potential", "difference"):
            bad = (shaping == "difference" and heuristic_changes and gamma == 0.8) or (
                shaping == "potential" and not pbrs_keeps and gamma == 0.8
            )
            rows.append(
                {
                    "gamma": gamma,
                    "potential": "manhattan",
                    "scale": 1.0,
                    "shaping": shaping,
                    "reaches_goal": not bad,
                    "optimal_action_share": 0.9 if bad else 1.0,
                }
            )
    return pd.DataFrame(rows)


def _variance(lower_with_baseline: bool) -> pd.DataFrame:
    rows = []
    for variant in ("no_baseline", "baseline"):
        for seed in SEEDS:
            for update in (0, 10):
                scale = 1.0 + 0.1 * seed + 0.05 * update
                ratio = 4.0 if lower_with_baseline else 1.0
                for estimator, variance in (("no_baseline", ratio * scale), ("baseline", scale)):
                    rows.append(
                        {
                            "variant": variant,
                            "seed": seed,
                            "update": update,
                            "estimator": estimator,
                            "grad_variance": variance,
                        }
                    )
    return pd.DataFrame(rows)


def _reinforce_returns(baseline_gain: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"variant": v, "seed": s, "episode": e, "episode_return": 100 + s + e + gain}
            for v, gain in (("no_baseline", 0.0), ("baseline", baseline_gain))
            for s in SEEDS
            for e in range(1, 5)
        ]
    )


def world(**changes) -> dict:
    """The rl findings node's inputs where every claim it tests holds; ``changes`` replace
    datasets (by name without the ``rl_`` prefix)."""
    trap_returns, trap_evaluation = _runs(
        {"none": [60, 70, 65], "potential": [10, 12, 11], "difference": [20, 22, 21]},
        TRAP_EPISODES,
        20,
        100.0,
        0.0,
    )
    task_returns, task_evaluation = _runs(
        {"none": [None, None, None], "potential": [5, 6, 4]}, 30, TASK_LENGTH, -150.0, -200.0
    )
    tables = {
        "evaluation_table": _evaluation(),
        "gridworld_check": {"course": {"checker_warnings": [], "ansi": "A . .\n. . .\n. . G\n"}},
        # -1 - 0.9 - 0.81 + 0.9^3 * 10: four moves on the course's grid at gamma 0.9
        "gridworld_values_table": pd.DataFrame(
            {"cell": ["(0, 0)", "(2, 2)"], "value": [4.58, 0.0]}
        ),
        "gridworld_evaluation_table": pd.DataFrame(
            {
                "variant": "epsilon_decay",
                "seed": SEEDS,
                "greedy_path_length": [4, 4, 4],
                "eval_mean_return": [7.0, 7.0, 7.0],
            }
        ),
        "reinforce_returns_table": _reinforce_returns(baseline_gain=50.0),
        "reinforce_gradient_variance_table": _variance(lower_with_baseline=True),
        "shaping_mountaincar_returns_table": task_returns,
        "shaping_mountaincar_evaluation_table": task_evaluation,
        "shaping_trap_sweep_table": _sweep(),
        "shaping_trap_returns_table": trap_returns,
        "shaping_trap_evaluation_table": trap_evaluation,
    }
    tables.update(changes)
    return {f"rl_{name}": table for name, table in tables.items()}


@pytest.fixture
def findings(run_slice):
    node = create_pipeline().only_nodes("report_rl_findings")

    def run(**changes) -> pd.DataFrame:
        return run_slice(node, world(**changes))["rl_findings"].set_index("claim_id")

    return run


ANSWERED = [
    "4.14-solved",
    "4.14-reaches",
    "4.14-api",
    "4.16-baseline",
    "4.25-exploration",
    "4.18-env",
    "4.18-path",
    "4.18-return",
    "4.17-pbrs",
    "4.17-heuristic",
    "4.17-faster",
    "4.3-sparse",
]


def test_where_the_course_holds_every_claim_is_reproduced(findings):
    table = findings()
    course = load_course()
    assert list(table.index) == ANSWERED
    assert all(course.claim(claim).question_id == q for claim, q in table["question"].items())
    assert set(table["verdict"]) <= set(VERDICTS)
    assert table["verdict"].to_dict() == dict.fromkeys(ANSWERED, "reproduced")
    assert (table["pipeline"] == "rl").all()
    corrected = table.loc["4.17-heuristic"]
    assert corrected["course_printed"] and "gamma<1" in corrected["course_says"]
    assert "rl/shaping_trap_sweep.csv" in corrected["evidence"].split(" | ")
    assert "potential 11 +- 1 [8.516, 13.48] over 3 seeds" in table.loc["4.3-sparse", "measured"]
    assert "3 of 3 seeds never, counted as 31" in table.loc["4.3-sparse", "measured"]
    # every comparison states each arm's mean +- std and interval over seeds, and the paired
    # difference the rule decides on
    explore = table.loc["4.25-exploration", "measured"]
    assert (
        "greedy 1 +- 0 [1, 1] over 3 seeds vs epsilon_decay 10 +- 0 [10, 10] over 3 seeds"
        in explore
    )
    assert "(paired difference 9 +- 0 [9, 9] over 3 seeds)" in explore
    baseline = table.loc["4.16-baseline", "measured"]
    assert "baseline 154 +- 1 [152, 157] over 3 seeds vs no_baseline 104 +- 1" in baseline
    assert "paired difference 50 +- 0 [50, 50] over 3 seeds" in baseline


def _paths(lengths: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variant": "epsilon_decay",
            "seed": SEEDS,
            "greedy_path_length": lengths,
            "eval_mean_return": [11.0 - n for n in lengths],
        }
    )


@pytest.mark.parametrize(
    ("changes", "claim", "verdict"),
    [
        ({"gridworld_evaluation_table": _paths([6, 6, 6])}, "4.18-path", "not_reproduced"),
        ({"gridworld_evaluation_table": _paths([6, 6, 6])}, "4.18-return", "not_reproduced"),
        (
            {"gridworld_check": {"course": {"checker_warnings": ["w"], "ansi": "A . G\n"}}},
            "4.18-env",
            "partly",
        ),
        (
            {
                "evaluation_table": _evaluation(
                    dqn__dqn=[200.0] * 3,
                    dqn__double_dqn=[300.0] * 3,
                    dqn__dueling_dqn=[440.0, 438.0, 442.0],
                )
            },
            "4.14-reaches",
            "not_reproduced",
        ),
        (
            {"reinforce_gradient_variance_table": _variance(lower_with_baseline=False)},
            "4.16-baseline",
            "partly",
        ),
        (
            {
                "reinforce_gradient_variance_table": _variance(lower_with_baseline=False),
                "reinforce_returns_table": _reinforce_returns(baseline_gain=0.0),
            },
            "4.16-baseline",
            "not_reproduced",
        ),
        ({"shaping_trap_sweep_table": _sweep(pbrs_keeps=False)}, "4.17-pbrs", "partly"),
        (
            {"shaping_trap_sweep_table": _sweep(heuristic_changes=False)},
            "4.17-heuristic",
            "not_reproduced",
        ),
    ],
)
def test_a_claim_on_the_other_side_of_its_rule(findings, changes, claim, verdict):
    assert findings(**changes).loc[claim, "verdict"] == verdict


def test_an_agent_trained_on_one_seed_does_not_decide(findings):
    # a variant run on one seed (rl_budget.variant_seeds; conf/base runs every variant on
    # three): even a return far below the band says nothing alone
    shipped = _evaluation(dqn__double_dqn=[500.0], dqn__dueling_dqn=[300.0])
    table = findings(evaluation_table=shipped)
    row = table.loc["4.14-reaches"]
    assert row["verdict"] == "inconclusive"  # dqn's 3 seeds reach it, the others cannot tell
    assert "dueling_dqn mean greedy return 300 vs the threshold 450: " + ONE_SEED in row["reason"]
    assert (
        "dqn mean greedy return 496 [483, 509] over 3 seeds vs the threshold 450: reached"
        in row["reason"]
    )
    # gymnasium's registered threshold and the value iteration are exact: one number decides
    assert table.loc["4.14-solved", "verdict"] == "reproduced"
    assert table.loc["4.18-env", "verdict"] == "reproduced"
    assert ONE_SEED not in table.loc["4.18-env", "reason"]


def test_exploration_against_greedy_by_seed(findings):
    same = _evaluation(exploration_gridworld__epsilon_decay=[1.0, 1.0, 1.0])
    row = findings(evaluation_table=same).loc["4.25-exploration"]
    assert row["verdict"] == "partly"  # the grid's epsilon_decay is no better than greedy
    assert "no curiosity bonus run" in row["measured"]


def test_shaping_that_learns_later_is_not_faster(findings):
    slow, evaluation = _runs(
        {"none": [10, 12, 11], "potential": [60, 70, 65], "difference": [80, 90, 85]},
        TRAP_EPISODES,
        20,
        100.0,
        0.0,
    )
    table = findings(shaping_trap_returns_table=slow, shaping_trap_evaluation_table=evaluation)
    assert table.loc["4.17-faster", "verdict"] == "not_reproduced"
    assert table.loc["4.3-sparse", "verdict"] == "partly"  # MountainCar still holds


def test_claims_with_nothing_measured_are_left_out(findings):
    never = {"none": [None] * 3, "potential": [None] * 3, "difference": [None] * 3}
    trap, trap_eval = _runs(never, TRAP_EPISODES, 20, 100.0, 0.0)
    task, task_eval = _runs({k: never[k] for k in ("none", "potential")}, 30, 200, 0.0, -200.0)
    table = findings(
        shaping_trap_returns_table=trap,
        shaping_trap_evaluation_table=trap_eval,
        shaping_mountaincar_returns_table=task,
        shaping_mountaincar_evaluation_table=task_eval,
    )
    assert "4.17-faster" not in table.index and "4.3-sparse" not in table.index
    assert table.loc["4.17-pbrs", "verdict"] == "reproduced"


def test_episodes_to_an_event_count_a_run_without_it_as_one_past_its_end():
    returns, evaluation = _runs({"none": [3, None, 1]}, 5, 10, 1.0, 0.0)
    first = first_success(returns, evaluation, "none")
    assert first.values.tolist() == [3, 6, 1] and first.reached.tolist() == [True, False, True]
    learnt = learned(returns, "none", window=2, target=1.0)
    assert learnt.values.tolist() == [4, 6, 2]


def test_the_findings_block_names_studies_that_exist(parameters):
    rl = parameters("base")["rl"]
    config = FindingsConfig(**rl["findings"])
    config.check_studies(studies_of(rl))
    renamed = {**rl["findings"], "reinforce": {**rl["findings"]["reinforce"], "study": "ppo"}}
    with pytest.raises(ValueError, match="4.16: a reinforce study 'ppo'"):
        FindingsConfig(**renamed).check_studies(studies_of(rl))
    wrong = {**rl["findings"], "dqn": {**rl["findings"]["dqn"], "variants": ["rainbow"]}}
    with pytest.raises(ValueError, match="variant dqn.rainbow"):
        FindingsConfig(**wrong).check_studies(studies_of(rl))


def test_a_spread_is_mean_std_and_interval_without_exponents():
    assert spread([534.0, 758.0, 1001.0]) == "764 +- 230 [184, 1340] over 3 seeds"
    assert spread([0.5, 0.5], unit="runs") == "0.5 +- 0 [0.5, 0.5] over 2 runs"
    assert spread([7.0]) == "7"  # one value: no spread to state

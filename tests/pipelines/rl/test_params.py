"""The rl parameter files validate, and bad values fail before any node runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from dl_lab.findings.rl import FindingsConfig
from dl_lab.pipelines.rl.params import studies_of
from dl_lab.pipelines.rl.pipeline import KINDS
from dl_lab.rl.config import (
    STUDY_KINDS,
    Budget,
    ExplorationStudy,
    GridWorldStudy,
    ShapingStudy,
    TrapStudy,
)

CONF = Path(__file__).resolve().parents[3] / "conf"


def _load(env: str) -> dict:
    return yaml.safe_load((CONF / env / "parameters_rl.yml").read_text())


@pytest.mark.parametrize("env", ["base", "test"])
def test_every_shipped_study_validates_as_its_kind(parameters, env):
    params = parameters(env)
    Budget(**params["rl_budget"])
    for name, block in studies_of(params["rl"]).items():
        study = STUDY_KINDS[block["kind"]](**block)
        assert study.kind == block["kind"], name
    FindingsConfig(**params["rl"]["findings"]).check_studies(studies_of(params["rl"]))


def test_every_kind_has_a_model_and_a_builder():
    assert set(STUDY_KINDS) == set(KINDS.available())


def test_the_test_environment_changes_sizes_not_studies():
    base, test = _load("base"), _load("test")
    assert set(test) == {"rl_budget", "rl"}
    assert set(test["rl"]) == set(studies_of(base["rl"]))  # findings: the same in every env
    assert all(block.keys() == {"budget"} for block in test["rl"].values())
    assert set(test["rl_budget"]["seeds"]) <= set(base["rl_budget"]["seeds"])


def test_every_variant_a_verdict_reads_runs_on_three_seeds_or_more(parameters):
    """No comparison that feeds a verdict rests on fewer than three seeds (conf/base)."""
    params = parameters("base")
    budget, config = Budget(**params["rl_budget"]), FindingsConfig(**params["rl"]["findings"])
    studies = studies_of(params["rl"])
    for question, study, _, _ in config.named():
        for variant in studies[study]["variants"]:
            assert len(budget.seeds_for(study, variant)) >= 3, (question, study, variant)


def test_only_deterministic_grids_are_evaluated_on_one_episode(parameters):
    """One greedy episode is the whole evaluation only where every episode is the same."""
    params = parameters("base")
    budget = Budget(**params["rl_budget"])
    for name, block in studies_of(params["rl"]).items():
        study = STUDY_KINDS[block["kind"]](**block)
        if study.final_episodes(budget) == 1:
            assert study.env_id == "dl_lab/GridWorld-v0", name
            assert study.layout.get("slip", 0.0) == 0.0, name
    assert STUDY_KINDS["dqn"](**params["rl"]["dqn"]).final_episodes(budget) == 100


def test_cartpole_thresholds_are_one_number():
    """The solved line of the DQN and REINFORCE figures is the return DQN stops at."""
    rl = _load("base")["rl"]
    assert rl["dqn"]["solved_return"] == rl["dqn"]["agent"]["solved_return"] == 475.0
    assert rl["reinforce"]["solved_return"] == 475.0


STUDY = {
    "kind": "exploration",
    "algorithm": "dqn",
    "env_id": "CartPole-v1",
    "variants": {"dqn": {}},
    "curves": {"title": "t"},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"algorithm": "ppo"}, "unknown agent 'ppo'; available: dqn, q_learning, reinforce"),
        ({"env_id": "CartPole-v0"}, "unknown environment id 'CartPole-v0'"),
        ({"variants": {"bad": {"learning_rate": -1}}}, "variant 'bad'"),
        ({"variants": {"bad": {"lr": 0.1}}}, "unknown dqn option(s) ['lr']"),
        ({"budget": {"steps": 10}}, "unknown dqn option(s) ['steps']"),
        ({"kind": "dqn"}, "Input should be 'exploration'"),
        ({"curves": {"title": "t", "x": "time"}}, "Input should be 'episode' or 'env_steps'"),
        ({"solved": 475.0}, "Extra inputs are not permitted"),
        ({"eval_episodes": 0}, "eval_episodes"),
    ],
)
def test_bad_studies_fail_with_the_key_and_the_allowed_values(change, message):
    with pytest.raises(ValidationError) as caught:
        ExplorationStudy(**{**STUDY, **change})
    assert message in str(caught.value)


def test_shaping_studies_name_registered_shapings_and_potentials():
    study = {
        "kind": "shaping",
        "algorithm": "q_learning",
        "env_id": "MountainCar-v0",
        "potential": "mountaincar_energy",
        "variants": {"none": {}, "potential": {}},
        "curves": {"title": "t"},
    }
    assert ShapingStudy(**study).bins == 20
    with pytest.raises(ValidationError, match="unknown shaping 'pbrs'; available: difference"):
        ShapingStudy(**{**study, "variants": {"pbrs": {}}})
    with pytest.raises(ValidationError, match="unknown potential 'height'; available"):
        ShapingStudy(**{**study, "potential": "height"})
    trap = {**study, "kind": "shaping_trap", "env_id": "dl_lab/GridWorld-v0", "rows": 4}
    sweep = {"gammas": [0.9], "scales": [1.0], "potentials": ["manhattan", "height"]}
    with pytest.raises(ValidationError, match="unknown potential 'height'"):
        TrapStudy(**{**trap, "potential": "manhattan", "sweep": sweep})
    spec = TrapStudy(
        **{**trap, "potential": "manhattan", "sweep": {**sweep, "potentials": ["manhattan"]}}
    )
    assert spec.layout["size"] == (4, 5)  # the trap grid is the environment its agents learn on


def test_gridworld_checks_name_the_layouts_the_checker_knows():
    block = {**_load("base")["rl"]["gridworld"]}
    with pytest.raises(ValidationError, match="Input should be 'distractor' or 'trap'"):
        GridWorldStudy(**{**block, "checks": {"maze": "exploration_gridworld"}})


def test_budget_limits_variants_to_their_first_seeds():
    budget = Budget(seeds=[1, 2, 3], eval_seed=0, variant_seeds={"dqn.double_dqn": 1})
    assert budget.seeds_for("dqn", "double_dqn") == [1]
    assert budget.seeds_for("dqn", "dqn") == [1, 2, 3]
    with pytest.raises(ValidationError, match="seeds"):
        Budget(seeds=[], eval_seed=0)

"""The rl parameter files validate, and bad values fail before any node runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from dl_lab.pipelines.rl.params import Budget, GridWorldParams, ShapingParams, Study

CONF = Path(__file__).resolve().parents[3] / "conf"


def _load(env: str) -> dict:
    return yaml.safe_load((CONF / env / "parameters_rl.yml").read_text())


def test_shipped_parameters_validate():
    base = _load("base")
    for env in ("base", "test"):
        Budget(**_load(env)["rl_budget"])
    rl = base["rl"]
    GridWorldParams(**rl["gridworld"])
    ShapingParams(**rl["shaping"])
    for name in ("dqn", "reinforce", "exploration_gridworld", "exploration_cartpole"):
        Study(**rl[name])


def test_test_environment_only_shrinks_sizes():
    base, test = _load("base")["rl_budget"], _load("test")["rl_budget"]
    assert set(test["overrides"]) == set(base["overrides"])
    assert set(test["seeds"]) <= set(base["seeds"])
    assert _load("test").keys() == {"rl_budget"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"algorithm": "ppo"}, "unknown agent 'ppo'; available: dqn, q_learning, reinforce"),
        ({"env_id": "CartPole-v0"}, "unknown environment id 'CartPole-v0'"),
        ({"variants": {"bad": {"learning_rate": -1}}}, "variant 'bad'"),
        ({"variants": {"bad": {"lr": 0.1}}}, "unknown dqn option(s) ['lr']"),
    ],
)
def test_bad_studies_fail_with_the_key_and_the_allowed_values(change, message):
    study = {"algorithm": "dqn", "env_id": "CartPole-v1", "variants": {"dqn": {}}, **change}
    with pytest.raises((ValidationError, KeyError)) as caught:
        Study(**study)
    assert message in str(caught.value)


def test_budget_overrides_name_real_options():
    with pytest.raises(ValidationError, match=r"rl_budget.overrides.dqn.steps: unknown option"):
        Budget(seeds=[1], eval_seed=0, overrides={"dqn": {"steps": 10}})
    with pytest.raises(ValidationError, match=r"rl_budget.overrides.ppo: unknown study"):
        Budget(seeds=[1], eval_seed=0, overrides={"ppo": {}})
    budget = Budget(seeds=[1, 2, 3], eval_seed=0, overrides={}, variant_seeds={"dqn.double_dqn": 1})
    assert budget.seeds_for("dqn", "double_dqn") == [1] and budget.seeds_for("dqn", "dqn") == [
        1,
        2,
        3,
    ]

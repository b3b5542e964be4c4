"""rl end to end with --env test: outputs on disk and one MLflow child run per agent."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from dl_lab.course.findings import split_list
from dl_lab.course.questions import load_course
from dl_lab.course.rules import VERDICTS

pytestmark = pytest.mark.slow

STUDIES = {  # study -> variants, each on the one test seed
    "gridworld": {"epsilon_decay"},
    "dqn": {"dqn", "double_dqn", "dueling_dqn"},
    "reinforce": {"no_baseline", "baseline"},
    "exploration_gridworld": {"greedy", "epsilon_fixed", "epsilon_decay", "boltzmann"},
    "exploration_cartpole": {"greedy", "epsilon_fixed", "epsilon_decay", "boltzmann"},
    "shaping_mountaincar": {"none", "potential"},
    "shaping_trap": {"none", "potential", "difference"},
}


@pytest.fixture(scope="module")
def rl_project(project_copy):
    project = project_copy("rl")
    project.run("--pipelines", "rl")
    return project


def test_outputs_on_disk(rl_project):
    out = rl_project.path / "data" / "08_reporting" / "rl"
    evaluation = pd.read_csv(out / "evaluation.csv")
    assert {(s, v) for s, v in zip(evaluation["study"], evaluation["variant"], strict=True)} == {
        (study, variant) for study, variants in STUDIES.items() for variant in variants
    }
    grids = {"gridworld", "exploration_gridworld", "shaping_trap"}  # deterministic: one episode
    episodes = {s: 1 if s in grids else 20 if s == "shaping_mountaincar" else 5 for s in STUDIES}
    assert (evaluation["eval_episodes"] == evaluation["study"].map(episodes)).all()
    reload = pd.read_csv(out / "agent_reload.csv")
    assert (
        set(reload["algorithm"]) == {"q_learning", "dqn", "reinforce"}
        and reload["reproduced"].all()
    )
    check = json.loads((out / "gridworld_check.json").read_text())
    assert all(layout["checker_warnings"] == [] for layout in check.values())
    assert check["course"]["ansi"] == "A . .\n. . .\n. . G\n"
    sweep = pd.read_csv(out / "shaping_trap_sweep.csv")
    assert sweep.loc[sweep["shaping"] == "potential", "reaches_goal"].all()
    assert not sweep.loc[sweep["shaping"] == "difference", "reaches_goal"].all()
    for figure in (
        "cartpole_frames",
        "gridworld_values",
        "dqn_curves",
        "reinforce_gradient_variance",
        "exploration_cartpole_curves",
        "shaping_trap_policies",
    ):
        assert (out / f"{figure}.png").stat().st_size > 0
    assert (rl_project.path / "data" / "06_models" / "rl" / "dqn.pt").is_file()


def test_the_findings_answer_the_course(rl_project):
    findings = pd.read_csv(rl_project.path / "data" / "08_reporting" / "findings" / "rl.csv")
    course = load_course()
    assert {course.claim(c).question_id for c in findings["claim_id"]} <= {
        "4.3",
        "4.14",
        "4.16",
        "4.17",
        "4.18",
        "4.25",
    }
    assert set(findings["verdict"]) <= set(VERDICTS)
    # the exact answers do not depend on training sizes
    exact = findings.set_index("claim_id")["verdict"]
    assert (
        exact[["4.14-solved", "4.14-api", "4.17-pbrs", "4.17-heuristic", "4.18-env"]]
        .eq("reproduced")
        .all()
    )
    reporting = rl_project.path / "data" / "08_reporting"
    for evidence in findings["evidence"]:
        assert all((reporting / name).is_file() for name in split_list(evidence)), evidence


def test_each_agent_is_a_child_run_with_per_episode_returns(rl_project):
    client = MlflowClient(tracking_uri=rl_project.tracking_uri)
    experiment = client.get_experiment_by_name("dl-lab/rl")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and parents[0].data.metrics["rl.reinforce.grad_variance_ratio"] > 0
    names = {r.info.run_name for r in children}
    assert names == {f"{s}__{v}__seed42" for s, variants in STUDIES.items() for v in variants}
    dqn = next(r for r in children if r.info.run_name == "dqn__dqn__seed42")
    history = client.get_metric_history(dqn.info.run_id, "episode_return")
    assert [m.step for m in history] == list(range(1, len(history) + 1)) and len(history) > 1
    assert dqn.data.params["learning_rate"] == "0.0023" and dqn.data.tags["algorithm"] == "dqn"
    assert "final_eval_mean_return" in dqn.data.metrics
    assert {k: dqn.data.tags[k] for k in ("pipeline", "study", "variant", "seed", "env_id")} == {
        "pipeline": "rl",
        "study": "dqn",
        "variant": "dqn",
        "seed": "42",
        "env_id": "CartPole-v1",
    }

"""rl slices on an in-memory catalog: the real nodes, conf/test parameters (shrunk further
where a slice trains deep agents), one MLflow child run per agent in a scratch store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

from dl_lab.pipelines.rl.pipeline import create_pipeline
from dl_lab.registry import UnknownNameError

ROOT = Path(__file__).resolve().parents[3]
TITLES = yaml.safe_load((ROOT / "conf" / "base" / "parameters_rl.yml").read_text())["rl"]["dqn"]

# Deep agents at a few hundred environment steps: enough to train, evaluate and reload.
TINY = {
    "rl_budget": {"eval_episodes": 3},
    "rl": {
        "dqn": {
            "agent": {"hidden_sizes": [16]},
            "budget": {
                "total_timesteps": 120,
                "learning_starts": 40,
                "train_frequency": 20,
                "gradient_steps": 2,
                "eval_every": 60,
                "eval_episodes": 2,
            },
        },
        "reinforce": {
            "budget": {
                "updates": 2,
                "episodes_per_update": 2,
                "variance_every": 1,
                "variance_episodes": 2,
                "eval_episodes": 2,
            }
        },
    },
}


def _children(client, experiment_id: str) -> dict[str, object]:
    return {run.info.run_name: run for run in client.search_runs([experiment_id])}


def _reload(run_slice, trained: dict, agent: str, study: str, **params) -> pd.DataFrame:
    """The reload check of a saved agent, fed the outputs of the slice that trained it."""
    inputs = {name: trained[name] for name in (f"rl_{agent}_agent", f"rl_{study}_evaluation_table")}
    check = create_pipeline().only_nodes(f"check_saved_{agent}_agent")
    return run_slice(check, inputs, params=params)[f"rl_{agent}_reload"]


def test_gridworld_value_iteration_and_q_learning(run_slice, tracked):
    client, experiment_id = tracked
    out = run_slice(create_pipeline().only_nodes("solve_gridworld", "train_gridworld_agents"), {})

    values = out["rl_gridworld_values_table"].set_index("cell")
    # four steps from the start: -1 - 0.9 - 0.81 + 0.9^3 * 10 (the course's grid, gamma 0.9)
    assert values.loc["(0, 0)", "value"] == pytest.approx(4.58)
    assert values.loc["(0, 0)", "optimal_actions"] == [1, 3]  # down or right
    assert values.loc["(2, 2)", "value"] == 0.0  # the goal ends the episode

    returns, evaluation = out["rl_gridworld_returns_table"], out["rl_gridworld_evaluation_table"]
    assert len(returns) == 30 and returns["episode"].tolist() == list(range(1, 31))
    row = evaluation.iloc[0]
    assert len(evaluation) == 1 and (row["study"], row["variant"], row["seed"]) == (
        "gridworld",
        "epsilon_decay",
        42,
    )
    assert row["eval_episodes"] == 1 and 0.0 <= row["optimal_action_share"] <= 1.0
    assert row["greedy_path_length"] >= 4  # no path to the goal is shorter
    reload = _reload(run_slice, out, "q_learning", "gridworld")
    assert reload["reproduced"].all() and reload["algorithm"].tolist() == ["q_learning"]

    run = _children(client, experiment_id)["gridworld__epsilon_decay__seed42"]
    tags = run.data.tags
    assert (tags["pipeline"], tags["study"], tags["variant"], tags["seed"]) == (
        "rl",
        "gridworld",
        "epsilon_decay",
        "42",
    )
    assert (tags["algorithm"], tags["env_id"]) == ("q_learning", "dl_lab/GridWorld-v0")
    assert "git_sha" in tags and run.data.params["episodes"] == "30"
    assert run.data.metrics["final_eval_mean_return"] == pytest.approx(row["eval_mean_return"])


def test_dqn_and_reinforce_train_save_and_reload(run_slice, tracked):
    client, experiment_id = tracked
    pipeline = create_pipeline()
    out = run_slice(
        pipeline.only_nodes("train_dqn_agents", "train_reinforce_agents"), {}, params=TINY
    )

    dqn = out["rl_dqn_evaluation_table"]
    assert set(dqn["variant"]) == {"dqn", "double_dqn", "dueling_dqn"} and len(dqn) == 3
    assert (dqn["eval_episodes"] == 3).all() and (dqn["env_steps"] == 120).all()
    assert dqn["solved"].tolist() == (dqn["eval_mean_return"] >= 475.0).tolist()
    periodic = out["rl_dqn_periodic_evaluations_table"]
    assert periodic.groupby("variant")["step"].apply(list).to_dict() == {
        variant: [60.0, 120.0] for variant in ("dqn", "double_dqn", "dueling_dqn")
    }
    probes = out["rl_reinforce_gradient_variance_table"]
    assert len(probes) == 2 * 2 * 2  # variants x probes (updates 0 and 1) x estimators
    assert set(probes["estimator"]) == {"no_baseline", "baseline"}
    reinforce = out["rl_reinforce_evaluation_table"]
    assert set(reinforce["variant"]) == {"no_baseline", "baseline"}
    assert reinforce["solved"].notna().all()
    reloads = pd.concat(
        [_reload(run_slice, out, agent, agent, **TINY) for agent in ("dqn", "reinforce")]
    )
    assert reloads["reproduced"].all() and set(reloads["algorithm"]) == {"dqn", "reinforce"}

    figures = run_slice(pipeline.only_nodes("plot_dqn_evaluations", "plot_dqn_curves"), out)
    evaluations = figures["rl_dqn_evaluations_plot"].axes[0]
    assert evaluations.get_title() == TITLES["evaluations_title"]  # from parameters_rl.yml
    assert evaluations.get_legend_handles_labels()[1][-1] == "solved (475)"
    assert figures["rl_dqn_curves_plot"].axes[0].get_xlabel() == "env steps"
    variance = run_slice(pipeline.only_nodes("plot_reinforce_gradient_variance"), out)
    assert isinstance(variance["rl_reinforce_gradient_variance_plot"], Figure)

    runs = _children(client, experiment_id)
    assert set(runs) == {
        "dqn__dqn__seed42",
        "dqn__double_dqn__seed42",
        "dqn__dueling_dqn__seed42",
        "reinforce__no_baseline__seed42",
        "reinforce__baseline__seed42",
    }
    double = runs["dqn__double_dqn__seed42"].data
    assert (double.tags["algorithm"], double.tags["env_id"]) == ("dqn", "CartPole-v1")
    assert double.params["double"] == "True" and double.params["total_timesteps"] == "120"
    assert runs["reinforce__baseline__seed42"].data.tags["study"] == "reinforce"


def test_summary_metrics_are_in_the_metric_dataset_form(run_slice):
    evaluation = pd.DataFrame(
        {"study": ["dqn", "dqn"], "variant": ["dqn", "dqn"], "eval_mean_return": [10.0, 20.0]}
    )
    probes = pd.DataFrame(
        {
            "variant": ["baseline"] * 2,
            "seed": [1, 1],
            "update": [0, 0],
            "estimator": ["no_baseline", "baseline"],
            "grad_variance": [8.0, 2.0],
        }
    )
    pipeline = create_pipeline().only_nodes("summary_metrics")
    out = run_slice(
        pipeline,
        {"rl_evaluation_table": evaluation, "rl_reinforce_gradient_variance_table": probes},
    )
    assert out["rl_metrics"] == {
        "dqn.dqn.eval_mean_return": {"value": 15.0, "step": 0},
        "reinforce.grad_variance_ratio": {"value": 4.0, "step": 0},
    }


CORRIDOR = {  # an exploration study that exists only in YAML
    "kind": "exploration",
    "algorithm": "q_learning",
    "env_id": "dl_lab/GridWorld-v0",
    "env_kwargs": {"size": [1, 5], "goal": [0, 4]},
    "agent": {"gamma": 0.9, "learning_rate": 0.5},
    "variants": {
        "greedy": {"exploration": {"strategy": "greedy"}},
        "epsilon_fixed": {"exploration": {"strategy": "epsilon_fixed", "epsilon": 0.2}},
    },
    "budget": {"episodes": 10},
    "curves": {"title": "Exploration in a corridor"},
}


def _conf_with(tmp_path: Path, **studies: dict) -> Path:
    """A conf/base whose rl parameters have ``studies`` added."""
    base = tmp_path / "conf" / "base"
    base.mkdir(parents=True)
    shutil.copy(ROOT / "conf" / "base" / "parameters.yml", base)
    parameters = yaml.safe_load((ROOT / "conf" / "base" / "parameters_rl.yml").read_text())
    parameters["rl"].update(studies)
    (base / "parameters_rl.yml").write_text(yaml.safe_dump(parameters, sort_keys=False))
    return tmp_path


def test_a_study_added_in_yaml_becomes_nodes_and_runs(run_slice, tracked, tmp_path, monkeypatch):
    client, experiment_id = tracked
    monkeypatch.chdir(_conf_with(tmp_path, exploration_corridor=CORRIDOR))
    pipeline = create_pipeline()
    summary = pipeline.only_nodes("summarize_evaluations")
    assert "rl_exploration_corridor_evaluation_table" in summary.inputs()

    study = pipeline.only_nodes("compare_exploration_corridor", "plot_exploration_corridor_curves")
    out = run_slice(study, {}, params={"rl": {"exploration_corridor": CORRIDOR}})
    evaluation = out["rl_exploration_corridor_evaluation_table"]
    assert set(evaluation["variant"]) == {"greedy", "epsilon_fixed"}
    assert (evaluation["study"] == "exploration_corridor").all()
    assert "rl_exploration_corridor_curves_plot" in out
    assert set(_children(client, experiment_id)) == {
        "exploration_corridor__greedy__seed42",
        "exploration_corridor__epsilon_fixed__seed42",
    }


def test_an_unknown_kind_fails_when_the_pipeline_is_built(tmp_path, monkeypatch):
    monkeypatch.chdir(_conf_with(tmp_path, ppo_cartpole={**CORRIDOR, "kind": "ppo"}))
    with pytest.raises(UnknownNameError, match="unknown rl study kind 'ppo'; available: dqn"):
        create_pipeline()

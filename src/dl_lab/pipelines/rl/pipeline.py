"""Wiring of the rl pipeline: the nodes of each study's kind, once per study, then the saved
agents' checks and the summary.

The studies are the blocks under ``rl`` in conf/base/parameters_rl.yml, read when the
pipeline is created; a study's ``kind`` picks its builder below, which names every dataset
``rl_<study>_...``. Every study gets its return curves and a row block in the evaluation
table; a study with ``saved_as`` saves its best agent as ``rl_<saved_as>_agent`` and reloads
it to check that it reproduces its evaluation. The ``rl.findings`` block is not a study: it
names the studies whose tables the findings node reads (``rl_findings``).
"""

from collections.abc import Callable
from typing import Any

from kedro.pipeline import Node, Pipeline

from dl_lab.findings.rl import FindingsConfig
from dl_lab.pipelines._kit import base_parameters, node, param
from dl_lab.pipelines.rl import nodes as n
from dl_lab.pipelines.rl.params import studies_of
from dl_lab.registry import Registry

BUDGET = param("rl_budget")
FINDINGS = param("rl.findings")
KINDS: Registry[Pipeline] = Registry("rl study kind")


def study_node(func: Callable[..., Any], study: str, outputs: list[str], name: str) -> Node:
    """``func`` on the study's block and the budget, with the study's name bound."""
    return node(
        func, {"spec": param(f"rl.{study}"), "budget": BUDGET}, outputs, name=name, study=study
    )


@KINDS.register("gridworld")
def gridworld_study(study: str, spec: dict) -> Pipeline:
    """4.18: the env checker, value iteration and Q-learning checked against its optimum."""
    checks = {"course": param(f"rl.{study}")}
    checks |= {label: param(f"rl.{other}") for label, other in spec.get("checks", {}).items()}
    return Pipeline(
        [
            node(
                n.check_gridworld,
                checks,
                [f"rl_{study}_check", f"rl_{study}_layouts_plot"],
                name=f"check_{study}",
            ),
            node(
                n.solve_gridworld,
                {"spec": param(f"rl.{study}")},
                [f"rl_{study}_values_table", f"rl_{study}_values_plot"],
                name=f"solve_{study}",
            ),
            study_node(
                n.train_gridworld_agents,
                study,
                [
                    f"rl_{study}_returns_table",
                    f"rl_{study}_evaluation_table",
                    f"rl_{spec['saved_as']}_agent",
                    f"rl_{study}_q_learning_plot",
                ],
                name=f"train_{study}_agents",
            ),
        ]
    )


@KINDS.register("dqn")
def dqn_study(study: str, spec: dict) -> Pipeline:
    """4.14: DQN variants, their periodic greedy evaluations, the best agent saved."""
    return Pipeline(
        [
            study_node(
                n.train_dqn_agents,
                study,
                [
                    f"rl_{study}_returns_table",
                    f"rl_{study}_evaluation_table",
                    f"rl_{study}_periodic_evaluations_table",
                    f"rl_{spec['saved_as']}_agent",
                ],
                name=f"train_{study}_agents",
            ),
            node(
                n.plot_greedy_evaluations,
                {"evaluations": f"rl_{study}_periodic_evaluations_table"},
                f"rl_{study}_evaluations_plot",
                name=f"plot_{study}_evaluations",
                title=spec["evaluations_title"],
                threshold=spec.get("solved_return"),
            ),
        ]
    )


@KINDS.register("reinforce")
def reinforce_study(study: str, spec: dict) -> Pipeline:
    """4.16: REINFORCE with and without a baseline, and the variance of both estimators."""
    return Pipeline(
        [
            study_node(
                n.train_reinforce_agents,
                study,
                [
                    f"rl_{study}_returns_table",
                    f"rl_{study}_evaluation_table",
                    f"rl_{study}_gradient_variance_table",
                    f"rl_{spec['saved_as']}_agent",
                ],
                name=f"train_{study}_agents",
            ),
            node(
                n.plot_variance,
                {"probes": f"rl_{study}_gradient_variance_table"},
                f"rl_{study}_gradient_variance_plot",
                name=f"plot_{study}_gradient_variance",
                title=spec["variance_title"],
            ),
        ]
    )


@KINDS.register("exploration")
def exploration_study(study: str, spec: dict) -> Pipeline:
    """4.3 and 4.25: one variant per exploration strategy."""
    tables = [f"rl_{study}_returns_table", f"rl_{study}_evaluation_table"]
    return Pipeline([study_node(n.compare_exploration, study, tables, name=f"compare_{study}")])


@KINDS.register("shaping")
def shaping_study(study: str, spec: dict) -> Pipeline:
    """4.17: Q-learning on a discretized task, raw reward against each shaping."""
    tables = [f"rl_{study}_returns_table", f"rl_{study}_evaluation_table"]
    return Pipeline([study_node(n.compare_shaping, study, tables, name=f"compare_{study}")])


@KINDS.register("shaping_trap")
def shaping_trap_study(study: str, spec: dict) -> Pipeline:
    """4.17: the trap grid, solved exactly under every shaping and learned with Q-learning."""
    return Pipeline(
        [
            study_node(
                n.demonstrate_shaping_trap,
                study,
                [
                    f"rl_{study}_sweep_table",
                    f"rl_{study}_returns_table",
                    f"rl_{study}_evaluation_table",
                    f"rl_{study}_policies_plot",
                ],
                name=f"demonstrate_{study}",
            )
        ]
    )


def curves(study: str, spec: dict) -> Pipeline:
    """The study's return curves, mean ± std over seeds, with its solved line if it has one."""
    return Pipeline(
        [
            node(
                n.plot_returns,
                {"returns": f"rl_{study}_returns_table"},
                f"rl_{study}_curves_plot",
                name=f"plot_{study}_curves",
                threshold=spec.get("solved_return"),
                **spec["curves"],
            )
        ]
    )


def saved_agents(saved: dict[str, dict]) -> Pipeline:
    """Each saved agent reloaded and re-evaluated; a greedy episode of those asked for, as frames."""
    checks = [
        node(
            n.check_saved_agent,
            {
                "bundle": f"rl_{spec['saved_as']}_agent",
                "evaluation": f"rl_{study}_evaluation_table",
                "budget": BUDGET,
            },
            f"rl_{spec['saved_as']}_reload",
            name=f"check_saved_{spec['saved_as']}_agent",
        )
        for study, spec in saved.items()
    ]
    frames = [
        node(
            n.record_frames,
            {"bundle": f"rl_{spec['saved_as']}_agent", "budget": BUDGET},
            f"rl_{spec['frames']}_frames_plot",
            name=f"record_{spec['frames']}_frames",
        )
        for spec in saved.values()
        if spec.get("frames")
    ]
    collect = node(
        n.concat_tables,
        {spec["saved_as"]: f"rl_{spec['saved_as']}_reload" for spec in saved.values()},
        "rl_agent_reload_table",
        name="collect_reload_checks",
    )
    return Pipeline([*checks, collect, *frames])


def summary(studies: dict[str, dict]) -> Pipeline:
    """Every study's final evaluations in one table, and the parent run's headline metrics."""
    probes = {
        study: f"rl_{study}_gradient_variance_table"
        for study, spec in studies.items()
        if spec["kind"] == "reinforce"
    }
    return Pipeline(
        [
            node(
                n.summarize_evaluations,
                {study: f"rl_{study}_evaluation_table" for study in studies},
                "rl_evaluation_table",
            ),
            node(n.summary_metrics, {"evaluation": "rl_evaluation_table", **probes}, "rl_metrics"),
        ]
    )


def findings(config: FindingsConfig) -> Pipeline:
    """The course's claims answered from the tables of the studies ``rl.findings`` names."""
    grid, reinforce = config.gridworld.study, config.reinforce.study
    task, trap = config.shaping.task, config.shaping.trap
    return Pipeline(
        [
            node(
                n.report_findings,
                {
                    "params": FINDINGS,
                    "budget": BUDGET,
                    "evaluation": "rl_evaluation_table",
                    "gridworld": param(f"rl.{grid}"),
                    "gridworld_check": f"rl_{grid}_check",
                    "gridworld_values": f"rl_{grid}_values_table",
                    "gridworld_evaluation": f"rl_{grid}_evaluation_table",
                    "reinforce_returns": f"rl_{reinforce}_returns_table",
                    "gradient_variance": f"rl_{reinforce}_gradient_variance_table",
                    "task_returns": f"rl_{task}_returns_table",
                    "task_evaluation": f"rl_{task}_evaluation_table",
                    "trap": param(f"rl.{trap}"),
                    "trap_sweep": f"rl_{trap}_sweep_table",
                    "trap_returns": f"rl_{trap}_returns_table",
                    "trap_evaluation": f"rl_{trap}_evaluation_table",
                },
                "rl_findings",
                name="report_rl_findings",
            )
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    rl = base_parameters("rl")
    studies = studies_of(rl)
    config = FindingsConfig.model_validate(rl["findings"])
    config.check_studies(studies)
    saved = {study: spec for study, spec in studies.items() if spec.get("saved_as")}
    per_study = [
        KINDS.get(spec["kind"])(study, spec) + curves(study, spec)
        for study, spec in studies.items()
    ]
    return sum(per_study, Pipeline([])) + saved_agents(saved) + summary(studies) + findings(config)

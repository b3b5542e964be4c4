"""Wiring of the rl pipeline: GridWorld, DQN, REINFORCE, exploration and reward shaping."""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines.rl import nodes

BUDGET = "params:rl_budget"
STUDIES = (
    "gridworld",
    "dqn",
    "reinforce",
    "exploration_gridworld",
    "exploration_cartpole",
    "shaping_mountaincar",
    "shaping_trap",
)
SAVED = (("q_learning", "gridworld"), ("dqn", "dqn"), ("reinforce", "reinforce"))  # agent, study


def _bound(func, **constants):
    """``func`` with constants bound; keeps its name and annotations for Kedro."""
    return update_wrapper(partial(func, **constants), func)


def _curves(study: str, title: str, x: str = "episode", threshold: float | None = None) -> Node:
    plot = _bound(nodes.plot_returns, title=title, x=x, threshold=threshold)
    return Node(
        plot, f"rl_{study}_returns_table", f"rl_{study}_curves_plot", name=f"plot_{study}_curves"
    )


def gridworld_pipeline() -> Pipeline:
    """4.18: the env checker, value iteration and Q-learning on the course's grid."""
    return Pipeline(
        [
            Node(
                nodes.check_gridworld,
                ["params:rl.gridworld", "params:rl.exploration_gridworld", "params:rl.shaping"],
                ["rl_gridworld_check", "rl_gridworld_layouts_plot"],
                name="check_gridworld",
            ),
            Node(
                nodes.solve_gridworld,
                "params:rl.gridworld",
                ["rl_gridworld_values_table", "rl_gridworld_values_plot"],
                name="solve_gridworld",
            ),
            Node(
                nodes.train_gridworld_agents,
                ["params:rl.gridworld", BUDGET],
                [
                    "rl_gridworld_returns_table",
                    "rl_gridworld_evaluation_table",
                    "rl_q_learning_agent",
                    "rl_gridworld_q_learning_plot",
                ],
                name="train_gridworld_agents",
            ),
        ]
    )


def deep_agents_pipeline() -> Pipeline:
    """4.14 and 4.16: DQN variants and REINFORCE with and without a baseline on CartPole."""
    return Pipeline(
        [
            Node(
                nodes.train_dqn_agents,
                ["params:rl.dqn", BUDGET],
                [
                    "rl_dqn_returns_table",
                    "rl_dqn_evaluation_table",
                    "rl_dqn_periodic_evaluations_table",
                    "rl_dqn_agent",
                ],
                name="train_dqn_agents",
            ),
            Node(
                nodes.train_reinforce_agents,
                ["params:rl.reinforce", BUDGET],
                [
                    "rl_reinforce_returns_table",
                    "rl_reinforce_evaluation_table",
                    "rl_reinforce_gradient_variance_table",
                    "rl_reinforce_agent",
                ],
                name="train_reinforce_agents",
            ),
        ]
    )


def studies_pipeline() -> Pipeline:
    """4.3, 4.25 and 4.17: exploration strategies and reward shaping."""
    explore = [
        Node(
            _bound(nodes.compare_exploration, name=study),
            [f"params:rl.{study}", BUDGET],
            [f"rl_{study}_returns_table", f"rl_{study}_evaluation_table"],
            name=f"compare_{study}",
        )
        for study in ("exploration_gridworld", "exploration_cartpole")
    ]
    return Pipeline(
        [
            *explore,
            Node(
                nodes.compare_shaping_mountaincar,
                ["params:rl.shaping", BUDGET],
                ["rl_shaping_mountaincar_returns_table", "rl_shaping_mountaincar_evaluation_table"],
                name="compare_shaping_mountaincar",
            ),
            Node(
                nodes.demonstrate_shaping_trap,
                ["params:rl.shaping", BUDGET],
                [
                    "rl_shaping_trap_sweep_table",
                    "rl_shaping_trap_returns_table",
                    "rl_shaping_trap_evaluation_table",
                    "rl_shaping_trap_policies_plot",
                ],
                name="demonstrate_shaping_trap",
            ),
        ]
    )


def checks_pipeline() -> Pipeline:
    """Saved agents reload and reproduce their evaluation; a greedy CartPole episode as frames."""
    reloads = [
        Node(
            nodes.check_saved_agent,
            [f"rl_{agent}_agent", f"rl_{study}_evaluation_table", BUDGET],
            f"rl_{agent}_reload",
            name=f"check_saved_{agent}_agent",
        )
        for agent, study in SAVED
    ]
    return Pipeline(
        [
            *reloads,
            Node(
                nodes.concat_tables,
                [f"rl_{agent}_reload" for agent, _ in SAVED],
                "rl_agent_reload_table",
                name="collect_reload_checks",
            ),
            Node(
                nodes.record_frames,
                ["rl_dqn_agent", BUDGET],
                "rl_cartpole_frames_plot",
                name="record_frames",
            ),
        ]
    )


def reports_pipeline() -> Pipeline:
    """Return curves (mean ± std over seeds), gradient variance, the evaluation table."""
    dqn_evaluations = _bound(
        nodes.plot_greedy_evaluations,
        title="DQN on CartPole-v1: greedy evaluations (100 episodes each)",
        threshold=475.0,
    )
    return Pipeline(
        [
            _curves("gridworld", "Q-learning on the course's 3x3 GridWorld"),
            _curves(
                "dqn",
                "DQN on CartPole-v1: training episodes (epsilon-greedy behaviour)",
                "env_steps",
                475.0,
            ),
            _curves("reinforce", "REINFORCE on CartPole-v1", threshold=475.0),
            _curves(
                "exploration_gridworld",
                "Exploration: Q-learning on a GridWorld with a distracting +1",
            ),
            _curves("exploration_cartpole", "Exploration: DQN on CartPole-v1", x="env_steps"),
            _curves(
                "shaping_mountaincar",
                "MountainCar-v0: raw reward vs potential-based shaping (raw return)",
            ),
            _curves("shaping_trap", "Trap grid: raw return under each shaping"),
            Node(
                dqn_evaluations,
                "rl_dqn_periodic_evaluations_table",
                "rl_dqn_evaluations_plot",
                name="plot_dqn_evaluations",
            ),
            Node(
                nodes.plot_variance,
                "rl_reinforce_gradient_variance_table",
                "rl_reinforce_gradient_variance_plot",
                name="plot_gradient_variance",
            ),
            Node(
                nodes.summarize_evaluations,
                [f"rl_{study}_evaluation_table" for study in STUDIES],
                "rl_evaluation_table",
                name="summarize_evaluations",
            ),
            Node(
                nodes.summary_metrics,
                ["rl_evaluation_table", "rl_reinforce_gradient_variance_table"],
                "rl_metrics",
                name="summary_metrics",
            ),
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    return (
        gridworld_pipeline()
        + deep_agents_pipeline()
        + studies_pipeline()
        + checks_pipeline()
        + reports_pipeline()
    )

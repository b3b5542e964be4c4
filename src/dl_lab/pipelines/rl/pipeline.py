"""Wiring of the rl pipeline: GridWorld, DQN, REINFORCE, exploration and reward shaping."""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from dl_lab.pipelines.rl import nodes

BUDGET = "params:rl_budget"


def _bound(func, **constants):
    """``func`` with constants bound; keeps its name and annotations for Kedro."""
    return update_wrapper(partial(func, **constants), func)


def _curves(returns: str, output: str, title: str, x: str = "episode", threshold=None) -> Node:
    plot = _bound(nodes.plot_returns, title=title, x=x, threshold=threshold)
    return Node(plot, f"rl_{returns}_table", f"rl_{output}_plot", name=f"plot_{output}")


def create_pipeline(**kwargs) -> Pipeline:
    explore = nodes.compare_exploration
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
            Node(
                _bound(explore, name="exploration_gridworld"),
                ["params:rl.exploration_gridworld", BUDGET],
                [
                    "rl_exploration_gridworld_returns_table",
                    "rl_exploration_gridworld_evaluation_table",
                ],
                name="compare_exploration_gridworld",
            ),
            Node(
                _bound(explore, name="exploration_cartpole"),
                ["params:rl.exploration_cartpole", BUDGET],
                [
                    "rl_exploration_cartpole_returns_table",
                    "rl_exploration_cartpole_evaluation_table",
                ],
                name="compare_exploration_cartpole",
            ),
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
            *[
                Node(
                    nodes.check_saved_agent,
                    [f"rl_{agent}_agent", f"rl_{study}_evaluation_table", BUDGET],
                    f"rl_{agent}_reload",
                    name=f"check_saved_{agent}_agent",
                )
                for agent, study in (
                    ("q_learning", "gridworld"),
                    ("dqn", "dqn"),
                    ("reinforce", "reinforce"),
                )
            ],
            Node(
                nodes.concat_tables,
                ["rl_q_learning_reload", "rl_dqn_reload", "rl_reinforce_reload"],
                "rl_agent_reload_table",
                name="collect_reload_checks",
            ),
            Node(
                nodes.record_frames,
                ["rl_dqn_agent", BUDGET],
                "rl_cartpole_frames_plot",
                name="record_frames",
            ),
            Node(
                _bound(
                    nodes.plot_greedy_evaluations,
                    title="DQN on CartPole-v1: greedy evaluations (100 episodes each)",
                    threshold=475.0,
                ),
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
            _curves(
                "gridworld_returns", "gridworld_curves", "Q-learning on the course's 3x3 GridWorld"
            ),
            _curves(
                "dqn_returns",
                "dqn_curves",
                "DQN on CartPole-v1: training episodes (epsilon-greedy behaviour)",
                x="env_steps",
                threshold=475.0,
            ),
            _curves(
                "reinforce_returns", "reinforce_curves", "REINFORCE on CartPole-v1", threshold=475.0
            ),
            _curves(
                "exploration_gridworld_returns",
                "exploration_gridworld_curves",
                "Exploration: Q-learning on a GridWorld with a distracting +1",
            ),
            _curves(
                "exploration_cartpole_returns",
                "exploration_cartpole_curves",
                "Exploration: DQN on CartPole-v1",
                x="env_steps",
            ),
            _curves(
                "shaping_mountaincar_returns",
                "shaping_mountaincar_curves",
                "MountainCar-v0: raw reward vs potential-based shaping (raw return shown)",
            ),
            _curves(
                "shaping_trap_returns",
                "shaping_trap_curves",
                "Trap grid: raw return under each shaping",
            ),
            Node(
                nodes.summarize_evaluations,
                [
                    f"rl_{s}_evaluation_table"
                    for s in (
                        "gridworld",
                        "dqn",
                        "reinforce",
                        "exploration_gridworld",
                        "exploration_cartpole",
                        "shaping_mountaincar",
                        "shaping_trap",
                    )
                ],
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

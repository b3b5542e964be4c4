"""GridWorld, tabular Q-learning, DQN, REINFORCE, exploration and reward shaping (unit 4 RL)."""

from dl_lab.pipelines.rl.pipeline import create_pipeline

__all__ = ["create_pipeline"]

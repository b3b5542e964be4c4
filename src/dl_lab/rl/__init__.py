"""Reinforcement learning on gymnasium: GridWorld, tabular methods, DQN, REINFORCE, shaping.

Importing the package registers ``dl_lab/GridWorld-v0`` with gymnasium.
"""

from dl_lab.rl.envs import ENVIRONMENTS, GRIDWORLD_ID, EnvFactory, register_gridworld

register_gridworld()

__all__ = ["ENVIRONMENTS", "GRIDWORLD_ID", "EnvFactory", "register_gridworld"]

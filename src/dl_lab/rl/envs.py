"""The environments dl-lab's agents run on, behind one validated factory.

``EnvFactory("CartPole-v1")`` is the ``env_fn`` every ``train(config, env_fn, log)`` takes:
calling it builds one environment wrapped in ``RecordEpisodeStatistics``; ``vector(n)``
builds ``n`` copies for batched greedy evaluation (NumPy-vectorized where gymnasium has a
vector entry point, as for CartPole). An id that is not in :data:`ENVIRONMENTS` fails at
construction with the list of ids that exist.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
from gymnasium.utils.env_checker import check_env

from dl_lab.registry import Registry

GRIDWORLD_ID = "dl_lab/GridWorld-v0"

Wrapper = Callable[[gym.Env], gym.Env]

# id -> the gymnasium id to make; kept to the environments the course uses.
ENVIRONMENTS: Registry[str] = Registry("environment id")
for _env_id in ("CartPole-v1", "MountainCar-v0", "Acrobot-v1", GRIDWORLD_ID):
    ENVIRONMENTS.register(_env_id)(lambda _id=_env_id: _id)


def register_gridworld() -> None:
    """Register ``dl_lab/GridWorld-v0`` with gymnasium; importing twice is harmless."""
    if GRIDWORLD_ID not in gym.registry:
        gym.register(
            id=GRIDWORLD_ID,
            entry_point="dl_lab.rl.gridworld:GridWorldEnv",
            max_episode_steps=100,
        )


@dataclass(frozen=True)
class EnvFactory:
    """Builds the environment ``env_id`` with ``kwargs`` and optional extra ``wrappers``."""

    env_id: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    wrappers: tuple[Wrapper, ...] = ()

    def __post_init__(self) -> None:
        ENVIRONMENTS.check(self.env_id)
        register_gridworld()

    def __call__(self, render_mode: str | None = None) -> gym.Env:
        """One environment: episode statistics of the *environment's* reward, then ours.

        ``RecordEpisodeStatistics`` sits inside the extra wrappers, so ``info["episode"]``
        reports the raw return even when a wrapper reshapes the reward the agent learns from.
        """
        env = gym.make(self.env_id, render_mode=render_mode, **self.kwargs)
        env = gym.wrappers.RecordEpisodeStatistics(env)
        for wrap in self.wrappers:
            env = wrap(env)
        return env

    def vector(self, num_envs: int) -> gym.vector.VectorEnv:
        """``num_envs`` copies that step together (autoreset on the next step)."""
        spec = gym.spec(self.env_id)
        if spec.vector_entry_point is not None and not self.wrappers:
            return gym.make_vec(
                self.env_id, num_envs, vectorization_mode="vector_entry_point", **self.kwargs
            )
        return gym.vector.SyncVectorEnv([self for _ in range(num_envs)])

    def with_wrappers(self, *wrappers: Wrapper) -> EnvFactory:
        """The same environment with ``wrappers`` applied after the existing ones."""
        return EnvFactory(self.env_id, self.kwargs, self.wrappers + wrappers)


def check_environment(env_id: str, **kwargs: Any) -> list[str]:
    """Run gymnasium's environment checker once per render mode; return its warnings."""
    factory = EnvFactory(env_id, kwargs)
    modes = [None, *gym.make(env_id, **kwargs).metadata.get("render_modes", [])]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for mode in modes:
            env = gym.make(factory.env_id, render_mode=mode, **factory.kwargs)
            check_env(env.unwrapped, skip_render_check=mode is None)
    return [str(w.message) for w in caught]

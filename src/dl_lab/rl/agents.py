"""The agent registry, configs from plain options, one agent's training job, and saved agents.

A saved agent is a plain dict (``algorithm``, ``env_id``, ``env_kwargs``, ``config``,
``state``) of tensors, numbers, strings, lists and dicts, written with ``torch.save`` and
read back with ``torch.load(..., weights_only=True)``, so loading never runs pickled code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dl_lab.registry import Registry
from dl_lab.rl import dqn, reinforce, tabular
from dl_lab.rl.common import Logger, MetricRecorder, Policy, TrainResult, evaluate
from dl_lab.rl.envs import EnvFactory

BUNDLE_KEYS = ("algorithm", "env_id", "env_kwargs", "config", "state")


@dataclass(frozen=True)
class AgentSpec:
    """How to configure, train and reload one algorithm."""

    config_cls: type
    train: Callable[[Any, EnvFactory, Logger], TrainResult]
    load_policy: Callable[..., Policy]


AGENTS: Registry[AgentSpec] = Registry("agent")
AGENTS.register("q_learning")(
    lambda: AgentSpec(tabular.QLearningConfig, tabular.train, tabular.load_policy)
)
AGENTS.register("dqn")(lambda: AgentSpec(dqn.DQNConfig, dqn.train, dqn.load_policy))
AGENTS.register("reinforce")(
    lambda: AgentSpec(reinforce.ReinforceConfig, reinforce.train, reinforce.load_policy)
)


def config_fields(algorithm: str) -> list[str]:
    """The option names ``algorithm``'s config accepts."""
    return [f.name for f in fields(AGENTS.build(algorithm).config_cls)]


def make_config(algorithm: str, options: Mapping[str, Any], **overrides: Any) -> Any:
    """``algorithm``'s config from ``options`` (and ``overrides`` such as the seed).

    An unknown option names itself and the allowed ones; a bad value raises pydantic's
    ``ValidationError`` naming the field.
    """
    allowed = config_fields(algorithm)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {algorithm} option(s) {unknown}; allowed: {', '.join(allowed)}")
    return AGENTS.build(algorithm).config_cls(**{**options, **overrides})


def train_agent(algorithm: str, config: Any, env_fn: EnvFactory, log: Logger) -> TrainResult:
    """Train the registered ``algorithm``."""
    return AGENTS.build(algorithm).train(config, env_fn, log)


@dataclass
class TrainedAgent:
    """What one training job returns: training's result, the final greedy returns and every
    metric point training logged (``(key, value, step)``), all picklable."""

    result: TrainResult
    eval_returns: np.ndarray
    records: list[tuple[str, float, int]]


def train_and_evaluate(
    algorithm: str,
    options: Mapping[str, Any],
    seed: int,
    env_fn: EnvFactory,
    eval_episodes: int,
    eval_seed: int,
    eval_env_fn: EnvFactory | None = None,
) -> TrainedAgent:
    """Train one agent with its seed, then evaluate it greedily on ``eval_episodes`` fresh
    episodes (on ``eval_env_fn``, else ``env_fn``).

    A job for :func:`dl_lab.parallel.run_each`: it seeds itself from ``seed``, so any worker
    (or this process) gives the same result, and it touches no MLflow run; the metrics it
    recorded come back for the caller to log.
    """
    config = make_config(algorithm, options, seed=seed)
    recorder = MetricRecorder()
    result = train_agent(algorithm, config, env_fn, recorder)
    returns = evaluate(result_policy(result), eval_env_fn or env_fn, eval_episodes, eval_seed)
    return TrainedAgent(result, returns, recorder.records)


def agent_bundle(result: TrainResult, env_fn: EnvFactory) -> dict[str, Any]:
    """The saveable form of a trained agent (extra wrappers, e.g. shaping, are not saved)."""
    if env_fn.wrappers:
        raise ValueError("agents trained behind extra wrappers cannot be saved: rebuild them")
    return {
        "algorithm": result.algorithm,
        "env_id": env_fn.env_id,
        "env_kwargs": dict(env_fn.kwargs),
        "config": result.config,
        "state": result.state,
    }


def save_agent(bundle: Mapping[str, Any], path: Path | str) -> None:
    """Write ``bundle`` with ``torch.save``."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(bundle), path)


def load_agent(path: Path | str) -> dict[str, Any]:
    """Read a saved agent with ``weights_only=True`` and check what it holds."""
    bundle = torch.load(path, map_location="cpu", weights_only=True)
    return check_bundle(bundle)


def check_bundle(bundle: Mapping[str, Any]) -> dict[str, Any]:
    """``bundle`` if it names a registered algorithm and environment and has every key."""
    missing = [key for key in BUNDLE_KEYS if key not in bundle]
    if missing:
        raise ValueError(f"saved agent lacks {missing}; a saved agent has {list(BUNDLE_KEYS)}")
    AGENTS.check(bundle["algorithm"])
    EnvFactory(bundle["env_id"], bundle["env_kwargs"])  # checks the environment id
    return dict(bundle)


def result_policy(result: TrainResult) -> Policy:
    """The greedy policy of a freshly trained agent."""
    return _policy(result.algorithm, result.config, result.state)


def restore_policy(bundle: Mapping[str, Any]) -> tuple[Policy, EnvFactory]:
    """The greedy policy of a saved agent and the environment it was trained on."""
    bundle = check_bundle(bundle)
    policy = _policy(bundle["algorithm"], bundle["config"], bundle["state"])
    return policy, EnvFactory(bundle["env_id"], bundle["env_kwargs"])


def _policy(algorithm: str, config: Mapping[str, Any], state: Mapping[str, Any]) -> Policy:
    spec = AGENTS.build(algorithm)
    return spec.load_policy(
        spec.config_cls(**config),
        state,
        obs_dim=state.get("obs_dim"),
        n_actions=state.get("n_actions"),
    )


def evaluate_bundle(bundle: Mapping[str, Any], episodes: int, seed: int) -> np.ndarray:
    """Greedy returns of a saved agent on its environment."""
    policy, env_fn = restore_policy(bundle)
    return evaluate(policy, env_fn, episodes, seed)

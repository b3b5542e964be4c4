"""Deep Q-network (Mnih et al. 2015) with Double (van Hasselt et al. 2016) and Dueling
(Wang et al. 2016) options, for discrete-action gymnasium environments (question 4.14).

Read top to bottom: config -> replay buffer -> pure helpers -> ``train``; the network is
``models.agents.QNetwork`` (``NETWORKS["q_network"]``). The TD target bootstraps unless the
episode *terminated*; a time-limit *truncation* (CartPole's 500 steps) is not a terminal
state, so its target still bootstraps.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict, field
from dataclasses import dataclass as dataclass_std
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass
from torch import nn

from dl_lab import progress
from dl_lab.models import NETWORKS
from dl_lab.models.agents import QNetwork
from dl_lab.rl.common import EpisodeLog, EvalTracker, Logger, Policy, TrainResult, seed_everything
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.exploration import ExplorationConfig, make_chooser


@dataclass(frozen=True, kw_only=True, config=ConfigDict(extra="forbid"))
class DQNConfig:
    """Hyperparameters of one DQN run (defaults: tuned for CartPole-v1, see BENCHMARKS.md)."""

    seed: int
    """seeds numpy, torch, the replay sampling and ``env.reset``"""
    total_timesteps: int = Field(50_000, ge=1)
    """environment steps to train for (fewer if ``stop_when_solved`` and it is solved)"""
    learning_rate: float = Field(2.3e-3, gt=0)
    """Adam's step size"""
    buffer_size: int = Field(100_000, ge=1)
    """replay memory capacity in transitions"""
    gamma: float = Field(0.99, ge=0, le=1)
    """discount factor"""
    tau: float = Field(1.0, gt=0, le=1)
    """target update rate: 1 copies the online network (hard), < 1 is Polyak averaging (soft)"""
    target_network_frequency: int = Field(10, ge=1)
    """environment steps between target-network updates"""
    batch_size: int = Field(64, ge=1)
    """transitions per gradient step"""
    learning_starts: int = Field(1_000, ge=0)
    """environment steps of pure exploration before the first gradient step"""
    train_frequency: int = Field(256, ge=1)
    """environment steps between training phases"""
    gradient_steps: int = Field(128, ge=1)
    """gradient steps per training phase"""
    max_grad_norm: float = Field(10.0, gt=0)
    """gradient clipping threshold on the global norm"""
    hidden_sizes: tuple[int, ...] = (256, 256)
    """widths of the hidden layers"""
    double: bool = False
    """Double DQN: the online network picks the next action, the target network values it"""
    dueling: bool = False
    """Dueling heads: Q = V + A - mean(A)"""
    exploration: ExplorationConfig = field(
        default_factory=lambda: ExplorationConfig(epsilon_end=0.04, fraction=0.16)
    )
    """behaviour policy during training (epsilon decays over ``fraction`` of the steps)"""
    eval_every: int = Field(5_000, ge=0)
    """environment steps between greedy evaluations (0: only at the end)"""
    eval_episodes: int = Field(100, ge=1)
    """greedy episodes per evaluation"""
    solved_return: float = 475.0
    """mean evaluation return that counts as solved (CartPole-v1: 475)"""
    stop_when_solved: bool = True
    """stop at the first evaluation that reaches ``solved_return``"""
    keep_best: bool = True
    """return the network of the best evaluation rather than the last one"""
    torch_threads: int = Field(1, ge=1)
    """torch CPU threads (one is fastest for small MLPs)"""


class ReplayBuffer:
    """A ring buffer of transitions in preallocated NumPy arrays."""

    def __init__(self, capacity: int, obs_shape: tuple[int, ...], rng: np.random.Generator):
        self.obs = np.zeros((capacity, *obs_shape), dtype=np.float32)
        self.next_obs = np.zeros_like(self.obs)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.capacity, self.size, self.position, self.rng = capacity, 0, 0, rng

    def add(self, obs, action, reward, next_obs, terminated) -> None:
        i = self.position
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i] = next_obs, terminated
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int) -> tuple[torch.Tensor, ...]:
        idx = self.rng.integers(self.size, size=batch_size)
        arrays = (self.obs, self.actions, self.rewards, self.next_obs, self.terminated)
        return tuple(torch.from_numpy(a[idx]) for a in arrays)


def td_target(
    online: QNetwork, target: QNetwork, rewards, next_obs, terminated, gamma: float, double: bool
) -> torch.Tensor:
    """r + gamma * (1 - terminated) * Q_target(s', a'), a' from online (double) or target."""
    with torch.no_grad():
        next_q = target(next_obs)  # (B, A)
        if double:
            best = online(next_obs).argmax(dim=1, keepdim=True)  # (B, 1)
            next_value = next_q.gather(1, best).squeeze(1)
        else:
            next_value = next_q.max(dim=1).values
        return rewards + gamma * (1.0 - terminated) * next_value


def update_target(online: nn.Module, target: nn.Module, tau: float) -> None:
    """target <- tau * online + (1 - tau) * target (tau = 1: a copy)."""
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters(), strict=True):
            t.lerp_(o, tau)


def action_values(network: QNetwork, obs: np.ndarray) -> np.ndarray:
    """Q(s, .) of one observation."""
    with torch.no_grad():
        return network(torch.as_tensor(obs, dtype=torch.float32).reshape(1, -1))[0].numpy()


def greedy_policy(network: QNetwork) -> Policy:
    """Arg max of the network's action values for a batch of observations."""

    def act(obs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            batch = torch.as_tensor(obs, dtype=torch.float32).reshape(len(obs), -1)  # (N, obs_dim)
            return network(batch).argmax(dim=1).numpy()

    return act


@dataclass_std
class _Learner:
    """The networks, optimizer and replay memory of one run."""

    online: QNetwork
    target: QNetwork
    optimizer: torch.optim.Optimizer
    buffer: ReplayBuffer
    obs_dim: int
    n_actions: int
    stale_target: bool = False

    @classmethod
    def create(cls, config: DQNConfig, env, rng: np.random.Generator) -> _Learner:
        obs_dim, n_actions = int(np.prod(env.observation_space.shape)), int(env.action_space.n)
        online = build_network(config, obs_dim, n_actions)
        # fused: one update kernel for all parameters, not several per tensor (cheaper on a small MLP)
        optimizer = torch.optim.Adam(online.parameters(), lr=config.learning_rate, fused=True)
        capacity = min(config.buffer_size, config.total_timesteps)
        buffer = ReplayBuffer(capacity, (obs_dim,), rng)
        return cls(online, copy.deepcopy(online), optimizer, buffer, obs_dim, n_actions)

    def snapshot(self) -> dict[str, torch.Tensor]:
        """A copy of the online network's weights."""
        return {k: v.clone() for k, v in self.online.state_dict().items()}


def build_network(config: DQNConfig, obs_dim: int, n_actions: int) -> QNetwork:
    """The online network described by ``config``."""
    return NETWORKS.build(
        "q_network",
        obs_dim=obs_dim,
        n_actions=n_actions,
        hidden=tuple(config.hidden_sizes),
        dueling=config.dueling,
    )


def load_policy(config: DQNConfig, state: dict, obs_dim: int, n_actions: int) -> Policy:
    """The greedy policy of a saved network."""
    network = build_network(config, obs_dim, n_actions)
    network.load_state_dict(state["q_network"])
    return greedy_policy(network.eval())


def _gradient_phase(config: DQNConfig, learner: _Learner) -> float:
    """``gradient_steps`` Huber-loss steps on replayed batches; returns the last loss."""
    online, target = learner.online, learner.target
    for _ in range(config.gradient_steps):
        obs, actions, rewards, next_obs, terminated = learner.buffer.sample(config.batch_size)
        targets = td_target(
            online, target, rewards, next_obs, terminated, config.gamma, config.double
        )
        q_values = online(obs).gather(1, actions.unsqueeze(1)).squeeze(1)  # (B,)
        loss = F.smooth_l1_loss(q_values, targets)  # Huber with delta = 1
        learner.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(online.parameters(), config.max_grad_norm)
        learner.optimizer.step()
    learner.stale_target = True
    return loss.item()


def _learn(config: DQNConfig, learner: _Learner, step: int, log: Logger) -> None:
    """After ``learning_starts``: a training phase and a target update when they are due."""
    if step <= config.learning_starts:
        return
    if step % config.train_frequency == 0:
        log({"td_loss": _gradient_phase(config, learner)}, step)
    # a hard update of an unchanged online network would copy the same weights: skip it
    if step % config.target_network_frequency == 0 and (config.tau < 1 or learner.stale_target):
        update_target(learner.online, learner.target, config.tau)
        learner.stale_target = False


def train(config: DQNConfig, env_fn: EnvFactory, log: Logger) -> TrainResult:
    """Train a DQN; log ``episode_return`` per episode and ``eval_mean_return`` per evaluation."""
    rng = seed_everything(config.seed, config.torch_threads)
    start, env = time.perf_counter(), env_fn()
    learner = _Learner.create(config, env, rng)
    choose = make_chooser(config.exploration, learner.n_actions)
    policy = greedy_policy(learner.online)
    episodes = EpisodeLog(log)
    evaluator = EvalTracker(env_fn, config.eval_episodes, config.seed, config.solved_return, log)
    obs, _ = env.reset(seed=config.seed)
    total = config.total_timesteps
    for step in progress.bar(range(1, total + 1), total, desc="DQN", unit="step"):
        action = choose(partial(action_values, learner.online, obs), step / total, rng)
        next_obs, reward, terminated, truncated, info = env.step(action)
        learner.buffer.add(np.ravel(obs), action, reward, np.ravel(next_obs), terminated)
        obs = next_obs
        if terminated or truncated:
            episodes.record(info["episode"]["r"], info["episode"]["l"])
            obs, _ = env.reset()
        _learn(config, learner, step, log)
        due = (config.eval_every and step % config.eval_every == 0) or step == total
        if due and evaluator(step, policy, learner.snapshot) and config.stop_when_solved:
            break
    env.close()
    final = evaluator.best_state if config.keep_best else learner.snapshot()
    return TrainResult(
        algorithm="dqn",
        config=asdict(config),
        episode_returns=episodes.returns,
        episode_lengths=episodes.lengths,
        state={"q_network": final, "obs_dim": learner.obs_dim, "n_actions": learner.n_actions},
        env_steps=step,
        wall_time_s=time.perf_counter() - start,
        evaluations=evaluator.rows,
        extras={"solved_at_step": evaluator.solved_at, "best_eval_return": evaluator.best_return},
    )

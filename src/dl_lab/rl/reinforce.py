"""REINFORCE (Williams 1992) with reward-to-go, with or without a learned baseline (4.16).

The gradient estimate is g = sum_t grad log pi(a_t | s_t) * psi_t with psi_t = G_t (the
reward-to-go) or psi_t = G_t - V(s_t) (a learned state-value baseline; Sutton & Barto 2018,
§13.4). A critic V is trained in both cases, so that at any point of training both
estimators can be measured on the *same* policy and the *same* episodes: the baseline
leaves the expected gradient unchanged and, when V is good, shrinks its variance.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from dataclasses import dataclass as dataclass_std

import numpy as np
import torch
from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass
from torch import nn
from torch.func import functional_call, grad, vmap

from dl_lab import progress
from dl_lab.models import NETWORKS
from dl_lab.rl.common import EpisodeLog, EvalTracker, Logger, Policy, TrainResult, seed_everything
from dl_lab.rl.envs import EnvFactory


@dataclass(frozen=True, kw_only=True, config=ConfigDict(extra="forbid"))
class ReinforceConfig:
    """Hyperparameters of one REINFORCE run."""

    seed: int
    """seeds numpy, torch (action sampling) and ``env.reset``"""
    updates: int = Field(100, ge=1)
    """policy-gradient updates"""
    episodes_per_update: int = Field(8, ge=1)
    """complete episodes collected (in parallel) for each update"""
    learning_rate: float = Field(1e-2, gt=0)
    """Adam's step size for the policy"""
    value_learning_rate: float = Field(1e-2, gt=0)
    """Adam's step size for the critic V"""
    gamma: float = Field(0.99, ge=0, le=1)
    """discount factor of the reward-to-go"""
    baseline: bool = True
    """subtract the learned V(s_t) from the reward-to-go"""
    normalize: bool = False
    """standardize psi_t over the batch (the course's "return normalization")"""
    hidden_sizes: tuple[int, ...] = (64,)
    """widths of the hidden layers of the policy and of the critic"""
    variance_every: int = Field(10, ge=0)
    """updates between gradient-variance probes (0: none)"""
    variance_episodes: int = Field(32, ge=2)
    """episodes per gradient-variance probe"""
    eval_every: int = Field(0, ge=0)
    """updates between greedy evaluations (0: only at the end)"""
    eval_episodes: int = Field(100, ge=1)
    """greedy episodes per evaluation"""
    solved_return: float = 475.0
    """mean evaluation return that counts as solved"""
    torch_threads: int = Field(1, ge=1)
    """torch CPU threads (one is fastest for small MLPs)"""


@dataclass_std
class Batch:
    """Complete episodes, time-major: ``obs`` (T, N, D); ``actions``, ``rewards``, ``mask`` (T, N)."""

    obs: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    mask: torch.Tensor

    @property
    def episode_returns(self) -> np.ndarray:
        return (self.rewards * self.mask).sum(0).numpy()

    @property
    def episode_lengths(self) -> np.ndarray:
        return self.mask.sum(0).numpy().astype(int)


def sample_actions(logits: torch.Tensor) -> torch.Tensor:
    """One action per row of ``logits``, drawn from softmax(logits) by inverting its CDF
    with torch's generator: the draw of ``Categorical(logits=logits).sample()`` without the
    cost of building a distribution (which dominates at a few environments per step)."""
    cdf = torch.softmax(logits, dim=-1).cumsum(dim=-1)  # (N, A)
    u = torch.rand(logits.shape[:-1] + (1,))
    return (u > cdf[..., :-1]).sum(dim=-1)  # the first action whose CDF reaches u


def collect(policy: nn.Module, envs, seed: int | None) -> Batch:
    """Run every environment of ``envs`` to the end of one episode with actions from ``policy``."""
    obs, _ = envs.reset(seed=seed)
    n = envs.num_envs
    steps: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    finished = np.zeros(n, dtype=bool)
    while not finished.all():
        with torch.no_grad():
            logits = policy(torch.as_tensor(obs, dtype=torch.float32))  # (N, A)
            actions = sample_actions(logits).numpy()
        next_obs, rewards, terminated, truncated, _ = envs.step(actions)
        steps.append((obs, actions, rewards, ~finished))
        finished |= terminated | truncated
        obs = next_obs
    obs_t, act_t, rew_t, mask_t = (np.stack(parts) for parts in zip(*steps, strict=True))
    return Batch(
        torch.as_tensor(obs_t, dtype=torch.float32),
        torch.as_tensor(act_t, dtype=torch.int64),
        torch.as_tensor(rew_t, dtype=torch.float32),
        torch.as_tensor(mask_t, dtype=torch.float32),
    )


def rewards_to_go(rewards: torch.Tensor, mask: torch.Tensor, gamma: float) -> torch.Tensor:
    """G_t = sum_{k >= t} gamma^(k - t) r_k within each episode; (T, N) -> (T, N)."""
    returns = torch.zeros_like(rewards)
    running = torch.zeros(rewards.shape[1])
    for t in range(rewards.shape[0] - 1, -1, -1):
        running = (rewards[t] + gamma * running) * mask[t]
        returns[t] = running
    return returns


def policy_terms(policy: nn.Module, batch: Batch) -> torch.Tensor:
    """log pi(a_t | s_t) of the batch's actions; (T, N)."""
    log_probs = torch.log_softmax(policy(batch.obs), dim=-1)  # (T, N, A)
    return log_probs.gather(-1, batch.actions.unsqueeze(-1)).squeeze(-1)


def advantages(
    returns: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, baseline: bool, normalize: bool
) -> torch.Tensor:
    """psi_t: the reward-to-go, minus V(s_t) with a baseline, standardized if asked."""
    psi = returns - values.detach() if baseline else returns
    if normalize:
        valid = psi[mask.bool()]
        psi = (psi - valid.mean()) / (valid.std() + 1e-8)
    return psi * mask


def gradient_variance(policy: nn.Module, critic: nn.Module, batch: Batch, gamma: float) -> dict:
    """Per-episode gradient estimates with and without the baseline, on the same episodes.

    Returns, for each estimator, the total variance (trace of the covariance across
    episodes) and the norm of the mean gradient. The per-episode gradients come from
    ``torch.func``: ``grad`` of one episode's surrogate, ``vmap``-ed over the episodes of
    both estimators, so each episode costs one pass over its own steps.
    """
    returns = rewards_to_go(batch.rewards, batch.mask, gamma)
    with torch.no_grad():
        values = critic(batch.obs).squeeze(-1)  # (T, N)
    estimators = {"no_baseline": returns, "baseline": returns - values}
    weights = torch.cat([psi * batch.mask for psi in estimators.values()], dim=1)  # (T, 2N)
    obs, actions = batch.obs.repeat(1, len(estimators), 1), batch.actions.repeat(1, len(estimators))
    params = {name: p.detach() for name, p in policy.named_parameters() if p.requires_grad}

    def surrogate(params, obs, actions, weights):  # one episode: (T, D), (T,), (T,)
        logits = functional_call(policy, params, (obs,))
        log_probs = torch.log_softmax(logits, dim=-1).gather(-1, actions.unsqueeze(-1))
        return (log_probs.squeeze(-1) * weights).sum()

    grads = vmap(grad(surrogate), in_dims=(None, 1, 1, 1))(params, obs, actions, weights)
    flat = torch.cat([g.reshape(weights.shape[1], -1) for g in grads.values()], dim=1)
    out = {}
    for name, stacked in zip(estimators, flat.chunk(len(estimators)), strict=True):  # (N, P)
        out[f"grad_variance_{name}"] = float(stacked.var(dim=0).sum())
        out[f"grad_mean_norm_{name}"] = float(stacked.mean(dim=0).norm())
    return out


def greedy_policy(policy: nn.Module) -> Policy:
    """The most probable action of ``policy`` for a batch of observations."""

    def act(obs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return policy(torch.as_tensor(obs, dtype=torch.float32)).argmax(dim=-1).numpy()

    return act


def build_networks(
    config: ReinforceConfig, obs_dim: int, n_actions: int
) -> tuple[nn.Module, nn.Module]:
    """The policy (logits) and the critic V: tanh MLPs (``NETWORKS["mlp_policy"]``)."""
    hidden = list(config.hidden_sizes)
    policy = NETWORKS.build("mlp_policy", sizes=[obs_dim, *hidden, n_actions], activation="tanh")
    critic = NETWORKS.build("mlp_policy", sizes=[obs_dim, *hidden, 1], activation="tanh")
    return policy, critic


def load_policy(config: ReinforceConfig, state: dict, obs_dim: int, n_actions: int) -> Policy:
    """The greedy policy of a saved policy network."""
    policy, _ = build_networks(config, obs_dim, n_actions)
    policy.load_state_dict(state["policy"])
    return greedy_policy(policy.eval())


def _update(config, policy, critic, optimizers, batch) -> dict[str, float]:
    """One policy-gradient step and one critic step on ``batch``."""
    returns = rewards_to_go(batch.rewards, batch.mask, config.gamma)
    values = critic(batch.obs).squeeze(-1)  # (T, N)
    psi = advantages(returns, values, batch.mask, config.baseline, config.normalize)
    n = batch.mask.shape[1]
    policy_loss = -(policy_terms(policy, batch) * psi).sum() / n
    value_loss = (((values - returns) ** 2) * batch.mask).sum() / batch.mask.sum()
    for optimizer in optimizers:
        optimizer.zero_grad()
    (policy_loss + value_loss).backward()
    for optimizer in optimizers:
        optimizer.step()
    return {"policy_loss": policy_loss.item(), "value_loss": value_loss.item()}


def _optimizers(config: ReinforceConfig, policy: nn.Module, critic: nn.Module) -> list:
    return [
        torch.optim.Adam(policy.parameters(), lr=config.learning_rate),
        torch.optim.Adam(critic.parameters(), lr=config.value_learning_rate),
    ]


def train(config: ReinforceConfig, env_fn: EnvFactory, log: Logger) -> TrainResult:
    """REINFORCE; logs ``episode_return`` per episode and the gradient-variance probes."""
    seed_everything(config.seed, config.torch_threads)
    start = time.perf_counter()
    envs, probe_envs = (
        env_fn.vector(config.episodes_per_update),
        env_fn.vector(config.variance_episodes),
    )
    obs_dim = int(np.prod(envs.single_observation_space.shape))
    n_actions = int(envs.single_action_space.n)
    policy, critic = build_networks(config, obs_dim, n_actions)
    optimizers = _optimizers(config, policy, critic)
    episodes, probes, env_steps = EpisodeLog(log), [], 0
    evaluator = EvalTracker(env_fn, config.eval_episodes, config.seed, config.solved_return, log)
    probe_seed = config.seed + config.episodes_per_update  # probe episodes never repeat training's
    updates = range(1, config.updates + 1)
    for update in progress.bar(updates, config.updates, desc="REINFORCE", unit="update"):
        if config.variance_every and (update - 1) % config.variance_every == 0:
            probe_batch = collect(policy, probe_envs, probe_seed)
            probes.append(
                {
                    "update": update - 1,
                    **gradient_variance(policy, critic, probe_batch, config.gamma),
                }
            )
            log({k: v for k, v in probes[-1].items() if k != "update"}, update - 1)
            probe_seed = None  # later probes continue the probe environments' random stream
        batch = collect(policy, envs, config.seed if update == 1 else None)
        for ret, length in zip(batch.episode_returns, batch.episode_lengths, strict=True):
            episodes.record(float(ret), int(length))
        env_steps += int(batch.mask.sum())
        log(_update(config, policy, critic, optimizers, batch), update)
        if (config.eval_every and update % config.eval_every == 0) or update == config.updates:
            evaluator(update, greedy_policy(policy), lambda: {})
    envs.close()
    probe_envs.close()
    state = {
        "policy": policy.state_dict(),
        "critic": critic.state_dict(),
        "obs_dim": obs_dim,
        "n_actions": n_actions,
    }
    return TrainResult(
        algorithm="reinforce",
        config=asdict(config),
        episode_returns=episodes.returns,
        episode_lengths=episodes.lengths,
        state=state,
        env_steps=env_steps,
        wall_time_s=time.perf_counter() - start,
        evaluations=evaluator.rows,
        extras={"variance_probes": probes},
    )

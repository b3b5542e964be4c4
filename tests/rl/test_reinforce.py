"""REINFORCE (4.16): reward-to-go, the baseline, gradient variance and a short run."""

from __future__ import annotations

import pytest
import torch

from dl_lab.rl.common import MetricRecorder
from dl_lab.rl.envs import EnvFactory
from dl_lab.rl.reinforce import (
    ReinforceConfig,
    advantages,
    build_networks,
    collect,
    gradient_variance,
    policy_terms,
    rewards_to_go,
    sample_actions,
    train,
)


def test_rewards_to_go_stay_inside_each_episode():
    rewards = torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]])  # (T=3, N=2)
    mask = torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]])  # episode 2 ends after 2 steps
    returns = rewards_to_go(rewards, mask, gamma=0.5)
    assert returns[:, 0].tolist() == [1.75, 1.5, 1.0]
    assert returns[:, 1].tolist() == [1.5, 1.0, 0.0]


def test_the_baseline_is_subtracted_and_padding_is_zero():
    returns = torch.tensor([[3.0], [2.0], [0.0]])
    values = torch.tensor([[1.0], [1.0], [5.0]], requires_grad=True)
    mask = torch.tensor([[1.0], [1.0], [0.0]])
    assert advantages(returns, values, mask, baseline=True, normalize=False).squeeze(
        1
    ).tolist() == [2.0, 1.0, 0.0]
    assert advantages(returns, values, mask, baseline=False, normalize=False).squeeze(
        1
    ).tolist() == [3.0, 2.0, 0.0]
    normalized = advantages(returns, values, mask, baseline=False, normalize=True)
    assert normalized[:2].sum().item() == pytest.approx(0.0, abs=1e-6)


def test_collect_runs_every_env_to_the_end_of_one_episode():
    torch.manual_seed(0)
    policy, _ = build_networks(ReinforceConfig(seed=0), 4, 2)
    batch = collect(policy, EnvFactory("CartPole-v1").vector(3), seed=0)
    lengths = batch.episode_lengths
    assert batch.obs.shape[:2] == batch.mask.shape == (max(lengths), 3)
    assert batch.episode_returns.tolist() == lengths.tolist()  # CartPole pays 1 per step
    assert all(
        (batch.mask[:n, i] == 1).all() and (batch.mask[n:, i] == 0).all()
        for i, n in enumerate(lengths)
    )


def test_gradient_variance_compares_both_estimators_on_the_same_episodes():
    torch.manual_seed(0)
    policy, critic = build_networks(ReinforceConfig(seed=0), 4, 2)
    batch = collect(policy, EnvFactory("CartPole-v1").vector(6), seed=1)
    with torch.no_grad():
        for p in critic.parameters():
            p.zero_()  # V = 0: the baseline estimator is the plain one
    same = gradient_variance(policy, critic, batch, gamma=0.99)
    assert same["grad_variance_baseline"] == pytest.approx(same["grad_variance_no_baseline"])
    with torch.no_grad():
        critic[-1].bias.fill_(
            rewards_to_go(batch.rewards, batch.mask, 0.99)[batch.mask.bool()].mean()
        )
    shifted = gradient_variance(policy, critic, batch, gamma=0.99)  # a constant baseline near E[G]
    assert shifted["grad_variance_baseline"] < shifted["grad_variance_no_baseline"]


def test_per_episode_gradients_match_one_backward_pass_per_episode():
    torch.manual_seed(3)
    policy, critic = build_networks(ReinforceConfig(seed=0), 4, 2)
    batch = collect(policy, EnvFactory("CartPole-v1").vector(5), seed=4)
    returns = rewards_to_go(batch.rewards, batch.mask, 0.99)
    with torch.no_grad():
        values = critic(batch.obs).squeeze(-1)
    log_probs, params = policy_terms(policy, batch), list(policy.parameters())
    expected = {}
    for name, psi in (("no_baseline", returns), ("baseline", returns - values)):
        per_episode = []
        for i in range(batch.mask.shape[1]):  # the plain way: one backward pass per episode
            surrogate = (log_probs[:, i] * psi[:, i] * batch.mask[:, i]).sum()
            grads = torch.autograd.grad(surrogate, params, retain_graph=True)
            per_episode.append(torch.cat([g.reshape(-1) for g in grads]))
        stacked = torch.stack(per_episode)
        expected[f"grad_variance_{name}"] = float(stacked.var(dim=0).sum())
        expected[f"grad_mean_norm_{name}"] = float(stacked.mean(dim=0).norm())
    assert gradient_variance(policy, critic, batch, 0.99) == pytest.approx(expected, rel=1e-5)


def test_sampled_actions_follow_the_softmax():
    torch.manual_seed(0)
    logits = torch.log(torch.tensor([[0.2, 0.5, 0.3]])).expand(40_000, 3)
    counts = torch.bincount(sample_actions(logits), minlength=3) / 40_000
    assert counts.tolist() == pytest.approx([0.2, 0.5, 0.3], abs=0.01)  # 4 standard errors
    certain = torch.tensor([[0.0, float("-inf")], [float("-inf"), 0.0]])
    assert sample_actions(certain).tolist() == [0, 1]


def test_a_short_run_logs_returns_and_variance_probes():
    recorder = MetricRecorder()
    config = ReinforceConfig(
        seed=2,
        updates=4,
        episodes_per_update=3,
        variance_every=2,
        variance_episodes=4,
        eval_episodes=3,
    )
    result = train(config, EnvFactory("CartPole-v1"), recorder)
    assert (
        len(result.episode_returns) == 12
        and recorder.series("episode_return") == result.episode_returns
    )
    assert [p["update"] for p in result.extras["variance_probes"]] == [0, 2]
    assert len(result.evaluations) == 1 and result.env_steps == sum(result.episode_lengths)
    again = train(config, EnvFactory("CartPole-v1"), MetricRecorder())
    assert again.episode_returns == result.episode_returns

"""DQN (4.14): TD target, truncation, Double/Dueling, target updates, a 200-step run."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from dl_lab.models.agents import QNetwork
from dl_lab.rl import GRIDWORLD_ID
from dl_lab.rl.common import MetricRecorder
from dl_lab.rl.dqn import DQNConfig, ReplayBuffer, td_target, train, update_target
from dl_lab.rl.envs import EnvFactory

SMALL = dict(
    total_timesteps=200,
    learning_starts=50,
    train_frequency=10,
    gradient_steps=2,
    batch_size=16,
    hidden_sizes=(16,),
    eval_every=100,
    eval_episodes=3,
)


class _Fixed(torch.nn.Module):
    """A 'network' returning the same action values for every observation."""

    def __init__(self, values: list[float]) -> None:
        super().__init__()
        self.values = torch.tensor(values)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.values.expand(obs.shape[0], -1)


def test_td_target_stops_only_at_terminal_states():
    target = _Fixed([1.0, 3.0])
    rewards, next_obs = torch.tensor([1.0, 1.0]), torch.zeros(2, 4)
    terminated = torch.tensor([1.0, 0.0])
    y = td_target(target, target, rewards, next_obs, terminated, gamma=0.5, double=False)
    assert y.tolist() == [1.0, 1.0 + 0.5 * 3.0]


def test_double_dqn_values_the_online_networks_choice_with_the_target():
    online, target = _Fixed([5.0, 0.0]), _Fixed([1.0, 3.0])
    args = (torch.tensor([0.0]), torch.zeros(1, 4), torch.tensor([0.0]), 1.0)
    assert (
        td_target(online, target, *args, double=True).item() == 1.0
    )  # Q_target(s', argmax Q_online)
    assert td_target(online, target, *args, double=False).item() == 3.0  # max Q_target


def test_dueling_head_is_value_plus_centred_advantage():
    torch.manual_seed(0)
    net = QNetwork(4, 3, (8,), dueling=True)
    obs = torch.randn(5, 4)
    features = net.trunk(obs)
    advantage = net.advantage(features)
    q = net(obs)
    assert q.shape == (5, 3)
    assert torch.allclose(q.mean(dim=1, keepdim=True), net.value(features), atol=1e-6)
    assert torch.allclose(
        q - q.mean(dim=1, keepdim=True), advantage - advantage.mean(1, keepdim=True), atol=1e-6
    )


def test_hard_and_soft_target_updates():
    online, target = QNetwork(2, 2, (4,), False), QNetwork(2, 2, (4,), False)
    before = copy.deepcopy(target.state_dict())
    update_target(online, target, tau=0.25)
    for key, value in target.state_dict().items():
        assert torch.allclose(value, 0.25 * online.state_dict()[key] + 0.75 * before[key])
    update_target(online, target, tau=1.0)
    assert all(torch.equal(v, online.state_dict()[k]) for k, v in target.state_dict().items())


def test_replay_buffer_wraps_around():
    buffer = ReplayBuffer(3, (1,), np.random.default_rng(0))
    for i in range(5):
        buffer.add([i], i % 2, float(i), [i + 1], False)
    assert buffer.size == 3 and sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0]
    obs, actions, rewards, next_obs, terminated = buffer.sample(8)
    assert obs.shape == (8, 1) and torch.equal(next_obs, obs + 1)


def test_truncated_episodes_are_stored_as_not_terminated(monkeypatch):
    flags = []
    original = ReplayBuffer.add

    def spy(self, obs, action, reward, next_obs, terminated):
        flags.append(terminated)
        original(self, obs, action, reward, next_obs, terminated)

    monkeypatch.setattr(ReplayBuffer, "add", spy)
    # a 1x12 corridor whose goal is out of reach in 4 steps: every episode is truncated
    env = EnvFactory(GRIDWORLD_ID, {"size": (1, 12), "goal": (0, 11), "max_episode_steps": 4})
    result = train(DQNConfig(seed=0, **SMALL), env, MetricRecorder())
    assert len(flags) == 200 and not any(flags)
    assert result.episode_lengths == [4] * 50


def test_a_short_run_logs_episodes_and_evaluations_and_is_reproducible():
    recorder = MetricRecorder()
    config = DQNConfig(seed=5, double=True, dueling=True, **SMALL)
    result = train(config, EnvFactory("CartPole-v1"), recorder)
    assert result.env_steps == 200 and sum(result.episode_lengths) <= 200
    assert recorder.series("episode_return") == result.episode_returns
    assert [row["step"] for row in result.evaluations] == [100.0, 200.0]
    assert len(recorder.series("td_loss")) == (200 - 50) // 10
    again = train(config, EnvFactory("CartPole-v1"), MetricRecorder())
    assert again.episode_returns == result.episode_returns
    assert again.evaluations == result.evaluations


def test_bad_hyperparameters_fail_before_training():
    with pytest.raises(ValueError, match="learning_rate"):
        DQNConfig(seed=0, learning_rate=-1.0)
    with pytest.raises(ValueError, match="tau"):
        DQNConfig(seed=0, tau=0.0)

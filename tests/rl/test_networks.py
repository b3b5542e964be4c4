"""The agents' networks (models/agents.py): registered, shaped, and initialized layer by layer."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dl_lab.models import NETWORKS
from dl_lab.models.agents import QNetwork, mlp
from dl_lab.rl.dqn import DQNConfig, build_network
from dl_lab.rl.reinforce import ReinforceConfig, build_networks


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_the_agents_networks_are_registered():
    assert {"mlp_policy", "q_network"} <= set(NETWORKS.available())
    q = NETWORKS.build("q_network", obs_dim=4, n_actions=2, hidden=(8,), dueling=True)
    assert q(torch.zeros(5, 4)).shape == (5, 2)
    policy = NETWORKS.build("mlp_policy", sizes=[4, 8, 3])
    assert policy(torch.zeros(5, 4)).shape == (5, 3)


def test_mlp_puts_the_activation_between_layers_and_after_the_last_if_asked():
    assert [type(m) for m in mlp([4, 8, 2])] == [nn.Linear, nn.Tanh, nn.Linear]
    assert [type(m) for m in mlp([4, 8], "relu", activate_last=True)] == [nn.Linear, nn.ReLU]
    assert len(mlp([4])) == 0


@pytest.mark.parametrize("hidden", [(), (16,), (16, 8)])
@pytest.mark.parametrize("dueling", [False, True])
def test_the_q_network_initializes_like_its_layers_built_one_by_one(hidden, dueling):
    """Same seed, same sizes -> the same weights as Linear layers made input to output."""
    torch.manual_seed(0)
    built = build_network(DQNConfig(seed=0, hidden_sizes=hidden, dueling=dueling), 4, 2)
    torch.manual_seed(0)
    widths = [4, *hidden]
    by_hand = nn.Module()
    by_hand.trunk = nn.Sequential(
        *[
            m
            for a, b in zip(widths[:-1], widths[1:], strict=True)
            for m in (nn.Linear(a, b), nn.ReLU())
        ]
    )
    by_hand.advantage = nn.Linear(widths[-1], 2)
    if dueling:
        by_hand.value = nn.Linear(widths[-1], 1)
    assert isinstance(built, QNetwork) and _same_weights(built, by_hand)


def test_reinforce_builds_the_policy_then_the_critic():
    torch.manual_seed(0)
    policy, critic = build_networks(ReinforceConfig(seed=0, hidden_sizes=(8,)), 4, 2)
    torch.manual_seed(0)
    by_hand = (
        nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)),
        nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)),
    )
    assert _same_weights(policy, by_hand[0]) and _same_weights(critic, by_hand[1])

"""The RL agents' networks: a feed-forward stack, and the DQN's action-value network.

``mlp_policy`` is the policy-gradient agents' network (REINFORCE's policy logits and its
critic V); ``q_network`` is DQN's Q(s, .), optionally with dueling heads (Wang et al.,
2016). Both are registered in ``NETWORKS``. Layers are created input to output, so a
seed gives the same initial weights as long as the sizes are the same.
"""

from __future__ import annotations

import torch
from torch import nn

from dl_lab.models.activations import build_activation
from dl_lab.models.registry import NETWORKS


def mlp(sizes: list[int], activation: str = "tanh", activate_last: bool = False) -> nn.Sequential:
    """Linear layers through ``sizes`` with ``activation`` between them (and after the last
    one if ``activate_last``); one size alone is the empty stack."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if activate_last or i < len(sizes) - 2:
            layers.append(build_activation(activation))
    return nn.Sequential(*layers)


NETWORKS.register("mlp_policy")(mlp)


@NETWORKS.register("q_network")
class QNetwork(nn.Module):
    """An MLP from observations to one value per action, optionally with dueling heads."""

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        hidden: tuple[int, ...] = (256, 256),
        dueling: bool = False,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        self.trunk = mlp([obs_dim, *hidden], activation, activate_last=True)
        width = hidden[-1] if hidden else obs_dim
        self.dueling = dueling
        self.advantage = nn.Linear(width, n_actions)
        self.value = nn.Linear(width, 1) if dueling else None

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        features = self.trunk(obs)  # (B, hidden[-1])
        advantage = self.advantage(features)  # (B, A)
        if self.value is None:
            return advantage
        # Q = V + A - mean_a A: the mean keeps V and A identifiable (Wang et al., 2016, eq. 9)
        return self.value(features) + advantage - advantage.mean(dim=1, keepdim=True)

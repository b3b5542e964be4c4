"""Optimizers by name: a registry instead of an if/elif ladder."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from pydantic import Field

from dl_lab.config import Registered, StrictModel
from dl_lab.registry import Registry

OPTIMIZERS: Registry[torch.optim.Optimizer] = Registry("optimizer")


class OptimizerConfig(StrictModel):
    """Which optimizer and its hyperparameters. ``weight_decay`` is the optimizer's own."""

    name: Registered(OPTIMIZERS) = "adam"
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    momentum: float = Field(0.9, ge=0, lt=1)


Params = Iterable[torch.nn.Parameter]


@OPTIMIZERS.register("sgd")
def sgd(params: Params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


@OPTIMIZERS.register("sgd_momentum")
def sgd_momentum(params: Params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


@OPTIMIZERS.register("nesterov")
def nesterov(params: Params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    return torch.optim.SGD(
        params, lr=cfg.lr, momentum=cfg.momentum, nesterov=True, weight_decay=cfg.weight_decay
    )


@OPTIMIZERS.register("adam")
def adam(params: Params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    """Adam; its ``weight_decay`` is an L2 term in the gradient (not decoupled)."""
    return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


@OPTIMIZERS.register("adamw")
def adamw(params: Params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    """AdamW: decoupled weight decay (Loshchilov & Hutter, 2019)."""
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


@OPTIMIZERS.register("rmsprop")
def rmsprop(params: Params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    return torch.optim.RMSprop(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def build_optimizer(params: Params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    """The optimizer ``cfg.name`` over ``params``."""
    return OPTIMIZERS.get(cfg.name)(params, cfg)

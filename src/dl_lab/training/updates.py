"""One optimizer update, with or without Lightning's per-update hook dispatch.

In manual optimization every ``manual_backward`` and ``LightningOptimizer.step`` walks the
callbacks three times (``on_before_backward``, ``on_after_backward``,
``on_before_optimizer_step``), building a profiler label for each callback on the way:
about 0.2 ms per update on a CPU, whether or not any callback implements those hooks.
When nothing implements them and the precision plugin and strategy are the plain
32-bit, single-device ones, Lightning's path reduces to ``loss.backward()`` and
``optimizer.step()``; ``direct_updates`` tells when that holds, and ``update`` then takes
the short path. Anything else (mixed precision, DDP, a profiler, a gradient-watching
callback) keeps Lightning's path, unchanged.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from lightning.pytorch.core.optimizer import LightningOptimizer
from lightning.pytorch.plugins.precision import Precision
from lightning.pytorch.profilers import PassThroughProfiler
from lightning.pytorch.strategies import SingleDeviceStrategy

PER_UPDATE_HOOKS = ("on_before_backward", "on_after_backward", "on_before_optimizer_step")


def _overrides(obj: object, base: type, hooks: tuple[str, ...]) -> bool:
    return any(getattr(type(obj), hook) is not getattr(base, hook) for hook in hooks)


def direct_updates(trainer: pl.Trainer) -> bool:
    """Whether Lightning's per-update dispatch would only call hooks that do nothing."""
    module = trainer.lightning_module
    return (
        type(trainer.precision_plugin) is Precision
        and type(trainer.strategy) is SingleDeviceStrategy
        and isinstance(trainer.profiler, PassThroughProfiler)
        and not _overrides(module, pl.LightningModule, (*PER_UPDATE_HOOKS, "backward"))
        and not any(_overrides(cb, pl.Callback, PER_UPDATE_HOOKS) for cb in trainer.callbacks)
    )


def update(
    module: pl.LightningModule,
    optimizer: LightningOptimizer,
    loss: torch.Tensor,
    clip_norm: float | None,
    direct: bool,
) -> None:
    """zero_grad, backward, optional gradient-norm clipping, step: one optimizer update."""
    optimizer.zero_grad()
    if not direct:
        module.manual_backward(loss)
        if clip_norm:
            module.clip_gradients(optimizer, clip_norm, "norm")
        optimizer.step()
        return
    loss.backward()
    if clip_norm:
        module.clip_gradients(optimizer, clip_norm, "norm")
    # The manual-optimization loop's bookkeeping around a step counts trainer.global_step.
    optimizer._on_before_step()
    optimizer.optimizer.step()
    optimizer._on_after_step()

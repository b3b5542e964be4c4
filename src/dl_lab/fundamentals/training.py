"""The training objective of an MLP with penalties, and a plain training loop (2.3).

``objective`` runs one forward and one backward pass and returns the total objective
``data loss + weight penalty + activity penalties`` with its gradient for every parameter,
which is what both the optimizer and the gradient check consume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from dl_lab.fundamentals.losses import Loss
from dl_lab.fundamentals.mlp import MLP
from dl_lab.fundamentals.optimizers import Optimizer
from dl_lab.fundamentals.regularizers import ActivityPenalty, WeightPenalty

Array = np.ndarray


@dataclass(frozen=True)
class Objective:
    """What a model is trained on: a loss plus optional weight and activity penalties.

    ``activity`` maps a layer index of ``MLP.layers`` to the penalty on that layer's output.
    """

    loss: Loss
    weight_penalty: WeightPenalty = field(default_factory=WeightPenalty)
    activity: Mapping[int, ActivityPenalty] = field(default_factory=dict)

    def __call__(self, model: MLP, x: Array, y: Array) -> tuple[float, float, dict[str, Array]]:
        """``(total, data_loss, grads)`` at the model's current parameters."""
        output = model.forward(x)
        data_loss = self.loss.value(output, y)
        total = data_loss + self.weight_penalty.value([d.weight for d in model.dense_layers()])
        extra = {}
        for index, penalty in self.activity.items():
            if not 0 <= index < len(model.layers):
                raise ValueError(
                    f"activity penalty on layer {index}; the model has {len(model.layers)}"
                )
            total += penalty.value(model.outputs[index])
            extra[index] = penalty.gradient(model.outputs[index])
        model.backward(self.loss.gradient(output, y), extra)
        grads = model.named_grads()
        if self.weight_penalty.active:
            for name, w in model.named_params().items():
                if name.endswith(".weight"):
                    grads[name] = grads[name] + self.weight_penalty.gradient(w)
        return total, data_loss, grads


@dataclass
class History:
    """Per-epoch training objective and data loss."""

    objective: list[float] = field(default_factory=list)
    data_loss: list[float] = field(default_factory=list)


def fit(
    model: MLP,
    objective: Objective,
    x: Array,
    y: Array,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
) -> History:
    """Train in place; full batch when ``batch_size`` is None (minibatches shuffle with ``rng``).

    A proximal L1 penalty soft-thresholds the weights by ``lr * l1`` after each step, which
    is ISTA for plain gradient descent (and a heuristic for adaptive optimizers).
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    n = len(x)
    if len(y) != n:
        raise ValueError(f"{n} inputs but {len(y)} targets")
    if batch_size is not None and rng is None:
        raise ValueError("minibatch training needs an rng to shuffle with")
    history = History()
    params = model.named_params()
    lr = getattr(optimizer, "lr", 0.0)
    size = batch_size or n
    for _ in range(epochs):
        batches = [slice(None)] if batch_size is None else _batches(rng.permutation(n), size)
        sums = np.zeros(2)
        for batch in batches:
            xb, yb = x[batch], y[batch]
            total, data_loss, grads = objective(model, xb, yb)
            optimizer.step(params, grads)
            for name, w in params.items():
                if name.endswith(".weight"):
                    objective.weight_penalty.prox(w, lr)
            sums += np.array([total, data_loss]) * len(xb) / n
        history.objective.append(float(sums[0]))
        history.data_loss.append(float(sums[1]))
        if not np.isfinite(sums[0]):
            raise FloatingPointError(
                f"training objective became {sums[0]} at epoch {len(history.objective)}"
            )
    return history


def _batches(order: Array, size: int) -> list[Array]:
    return [order[start : start + size] for start in range(0, len(order), size)]

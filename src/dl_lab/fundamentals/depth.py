"""Shallow versus deep ReLU networks on a compositional sawtooth (2.20).

The tent map ``t(x) = 2 min(x, 1 - x)`` on [0, 1] composed ``k`` times has ``2^k`` linear
pieces. A deep ReLU net computes it exactly with ``k`` hidden layers of width 2
(``t(x) = 2 relu(x) - 4 relu(x - 1/2)``; ``6k + 1`` parameters), while a one-hidden-layer
ReLU net with ``m`` units has at most ``m + 1`` pieces, so it needs ``2^k`` units
(``3 * 2^k + 1`` parameters) to be exact (Telgarsky 2016, "Benefits of depth in neural
networks"). Whether gradient descent *finds* the deep solution is a separate question, which
``train_on_budget`` measures at matched parameter counts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from dl_lab import parallel
from dl_lab.fundamentals.losses import get_loss
from dl_lab.fundamentals.mlp import MLP, ActivationLayer, Dense, build_mlp, count_params
from dl_lab.fundamentals.optimizers import Adam
from dl_lab.fundamentals.seeds import seed_streams
from dl_lab.fundamentals.training import Objective, fit

Array = np.ndarray


def sawtooth(x: Array, k: int) -> Array:
    """The tent map applied ``k`` times: ``2^(k-1)`` teeth, ``2^k`` linear pieces on [0, 1]."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    x = np.asarray(x, dtype=float)
    for _ in range(k):
        x = 2.0 * np.minimum(x, 1.0 - x)
    return x


def exact_deep_sawtooth(k: int) -> MLP:
    """``k`` ReLU layers of width 2 computing ``sawtooth(., k)`` exactly on [0, 1]."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    layers: list[Dense | ActivationLayer] = [
        Dense([[1.0], [1.0]], [0.0, -0.5]),
        ActivationLayer("relu"),
    ]
    for _ in range(k - 1):  # feed t = 2 h1 - 4 h2 into the next (relu(t), relu(t - 1/2)) pair
        layers += [Dense([[2.0, -4.0], [2.0, -4.0]], [0.0, -0.5]), ActivationLayer("relu")]
    layers.append(Dense([[2.0, -4.0]], [0.0]))
    return MLP(layers)


def exact_shallow_sawtooth(k: int) -> MLP:
    """One hidden layer of ``2^k`` ReLUs (one per kink) computing ``sawtooth(., k)`` on [0, 1]."""
    pieces = 2**k
    knots = np.arange(pieces) / pieces  # 0 and every breakpoint
    slopes = 2.0**k * np.where(np.arange(pieces) % 2 == 0, 1.0, -1.0)
    out = np.diff(slopes, prepend=0.0)  # slope change at each knot
    return MLP([Dense(np.ones((pieces, 1)), -knots), ActivationLayer("relu"), Dense([out], [0.0])])


def exact_constructions(k_max: int, resolution: int = 4097) -> list[dict]:
    """Parameters the deep and shallow exact nets need for ``k = 1..k_max``, errors verified."""
    x = np.linspace(0, 1, resolution)[:, None]
    rows = []
    for k in range(1, k_max + 1):
        deep, shallow = exact_deep_sawtooth(k), exact_shallow_sawtooth(k)
        target = sawtooth(x, k)
        rows.append(
            {
                "k": k,
                "linear_pieces": 2**k,
                "deep_params": deep.n_params,
                "shallow_params": shallow.n_params,
                "deep_max_error": float(np.abs(deep.forward(x) - target).max()),
                "shallow_max_error": float(np.abs(shallow.forward(x) - target).max()),
            }
        )
    return rows


def width_for_budget(depth: int, budget: int) -> int:
    """The width whose ``depth``-hidden-layer 1-input 1-output MLP is closest to ``budget``."""
    if depth < 1 or budget < 4:
        raise ValueError(f"need depth >= 1 and budget >= 4, got {depth}, {budget}")
    widths = np.arange(1, budget + 1)
    counts = np.array([count_params([1, *[int(w)] * depth, 1]) for w in widths])
    return int(widths[np.argmin(np.abs(counts - budget))])


@dataclass(frozen=True)
class DepthRun:
    """One trained net: its shape, parameter count and errors against the sawtooth."""

    depth: int
    budget: int
    sizes: list[int]
    n_params: int
    seed_index: int
    train_mse: float
    test_mse: float
    model: MLP

    @property
    def kind(self) -> str:
        """``shallow`` (one hidden layer) or ``depth_<n>``."""
        return "shallow" if self.depth == 1 else f"depth_{self.depth}"

    def predict(self, x: Array) -> Array:
        """The net's output at inputs ``x`` in [0, 1] (shape ``(n, 1)``)."""
        return self.model.forward(2 * np.asarray(x, dtype=float) - 1)

    def summary(self) -> dict:
        """One table row: kind, shape, parameter count, seed and both errors."""
        return {
            "kind": self.kind,
            "depth": self.depth,
            "budget": self.budget,
            "sizes": str(self.sizes),
            "n_params": self.n_params,
            "seed_index": self.seed_index,
            "train_mse": self.train_mse,
            "test_mse": self.test_mse,
        }


def train_on_budget(
    depth: int,
    budget: int,
    k: int,
    rng: np.random.Generator,
    activation: str = "leaky_relu",
    n_train: int = 256,
    epochs: int = 3000,
    lr: float = 0.01,
    seed_index: int = 0,
) -> DepthRun:
    """Fit ``sawtooth(., k)`` on [0, 1] with Adam on MSE; ``depth`` hidden layers near ``budget``."""
    sizes = [1, *[width_for_budget(depth, budget)] * depth, 1]
    model = build_mlp(sizes, activation, init="torch_default", rng=rng)
    x_train = np.linspace(0, 1, n_train)[:, None]
    x_test = rng.uniform(0, 1, size=(4 * n_train, 1))
    objective = Objective(get_loss("mse"))
    # the nets see u = 2x - 1 in [-1, 1], where torch-style random biases place their kinks
    history = fit(model, objective, 2 * x_train - 1, sawtooth(x_train, k), Adam(lr=lr), epochs)
    run = DepthRun(
        depth, budget, sizes, model.n_params, seed_index, history.data_loss[-1], float("nan"), model
    )
    test_mse = get_loss("mse").value(run.predict(x_test), sawtooth(x_test, k))
    return replace(run, test_mse=test_mse)


def budget_sweep(
    depths: list[int], budgets: list[int], k: int, n_seeds: int, seed: int, **train_kwargs
) -> list[DepthRun]:
    """``train_on_budget`` for every depth, budget and seed (streams from ``SeedSequence``),
    each an independent job on the worker pool (both cores, one BLAS thread each: the same
    numbers as inline); runs in that order."""
    jobs = [
        {"depth": depth, "budget": budget, "k": k, "rng": rng, "seed_index": i, **train_kwargs}
        for depth in depths
        for budget in budgets  # every budget starts from the same streams of its depth
        for i, rng in enumerate(seed_streams(seed, depth, n_seeds))
    ]
    return parallel.run_points(train_on_budget, jobs)


def best_per_depth(runs: list[DepthRun], budget: int) -> dict[int, DepthRun]:
    """The run with the lowest test error of each depth at ``budget``, depths in run order."""
    depths = dict.fromkeys(r.depth for r in runs)
    return {
        d: min((r for r in runs if r.depth == d and r.budget == budget), key=lambda r: r.test_mse)
        for d in depths
    }


def exact_errors(k: int, resolution: int = 4097) -> list[dict]:
    """MSE of the deep and shallow exact nets on ``resolution`` points, as summary rows."""
    x = np.linspace(0, 1, resolution)[:, None]
    rows = []
    for kind, model in (
        ("deep_exact", exact_deep_sawtooth(k)),
        ("shallow_exact", exact_shallow_sawtooth(k)),
    ):
        mse = float(np.mean((model.forward(x) - sawtooth(x, k)) ** 2))
        rows.append(
            {
                "kind": kind,
                "budget": model.n_params,
                "n_params": model.n_params,
                "median_test_mse": mse,
                "best_test_mse": mse,
                "n_seeds": 0,
            }
        )
    return rows

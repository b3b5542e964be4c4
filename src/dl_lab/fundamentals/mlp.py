"""A multilayer perceptron with hand-written forward and backward passes (2.3, 2.7).

Weights follow ``torch.nn.Linear``: ``W`` has shape ``(out, in)`` and each **row** is one
unit, so a batch ``x`` ``(n, in)`` maps to ``z = x W^T + b`` ``(n, out)``. The same arrays
can therefore be copied into torch for the autograd cross-check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from dl_lab.fundamentals.activations import ACTIVATIONS, get_activation
from dl_lab.registry import Registry

Array = np.ndarray

INITS: Registry[tuple[Array, Array]] = Registry("weight init")


@INITS.register("xavier")
def _xavier(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    # Glorot & Bengio (2010): U(-a, a), a = sqrt(6 / (fan_in + fan_out)); for sigmoid / tanh
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in)), np.zeros(n_out)


@INITS.register("he")
def _he(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    # He et al. (2015): N(0, 2 / fan_in); keeps ReLU activations' variance across layers
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in)), np.zeros(n_out)


@INITS.register("torch_default")
def _torch_default(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    # torch.nn.Linear's scale for weights *and* biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in));
    # random biases spread ReLU kinks over the input range instead of stacking them at 0
    limit = 1.0 / np.sqrt(n_in)
    return (
        rng.uniform(-limit, limit, size=(n_out, n_in)),
        rng.uniform(-limit, limit, size=n_out),
    )


def _check_batch(x: Array, width: int, where: str) -> Array:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"{where} expects shape (n, {width}), got {x.shape}")
    return x


@dataclass
class Dense:
    """Affine layer ``z = x W^T + b``; ``weight`` ``(out, in)``, ``bias`` ``(out,)``."""

    weight: Array
    bias: Array
    grads: dict[str, Array] = field(default_factory=dict, repr=False)
    _x: Array | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.weight = np.array(self.weight, dtype=float)
        self.bias = np.array(self.bias, dtype=float)
        if self.weight.ndim != 2 or self.bias.shape != (self.weight.shape[0],):
            raise ValueError(
                f"Dense needs weight (out, in) and bias (out,), got {self.weight.shape} "
                f"and {self.bias.shape}"
            )

    @property
    def params(self) -> dict[str, Array]:
        return {"weight": self.weight, "bias": self.bias}

    def forward(self, x: Array) -> Array:
        self._x = _check_batch(x, self.weight.shape[1], "Dense input")
        return self._x @ self.weight.T + self.bias  # (n, out)

    def backward(self, grad_out: Array) -> Array:
        if self._x is None:
            raise RuntimeError("Dense.backward called before forward")
        grad_out = _check_batch(grad_out, self.weight.shape[0], "Dense output gradient")
        self.grads = {"weight": grad_out.T @ self._x, "bias": grad_out.sum(axis=0)}
        return grad_out @ self.weight  # (n, in)


@dataclass
class ActivationLayer:
    """Elementwise ``a = f(z)`` from the activation registry; no parameters."""

    name: str
    params: dict[str, Array] = field(default_factory=dict, init=False, repr=False)
    grads: dict[str, Array] = field(default_factory=dict, init=False, repr=False)
    _z: Array | None = field(default=None, repr=False)
    _a: Array | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.fn = get_activation(self.name)

    def __getstate__(self) -> dict:
        """Pickled by name, the registry's functions rebuilt on load: a net trained in a
        worker process comes back whole."""
        state = self.__dict__.copy()
        del state["fn"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.fn = get_activation(self.name)

    def forward(self, z: Array) -> Array:
        self._z = np.asarray(z, dtype=float)
        self._a = self.fn.forward(self._z)
        return self._a

    def backward(self, grad_out: Array) -> Array:
        if self._z is None or self._a is None:
            raise RuntimeError("ActivationLayer.backward called before forward")
        if np.shape(grad_out) != self._z.shape:
            raise ValueError(f"gradient shape {np.shape(grad_out)} != output shape {self._z.shape}")
        return grad_out * self.fn.derivative(self._z, self._a)


Layer = Dense | ActivationLayer


@dataclass
class MLP:
    """A stack of layers; ``forward`` caches what ``backward`` needs."""

    layers: list[Layer]
    outputs: list[Array] = field(default_factory=list, repr=False)

    def forward(self, x: Array) -> Array:
        self.outputs = []
        for layer in self.layers:
            x = layer.forward(x)
            self.outputs.append(x)
        return x

    def backward(self, grad_output: Array, extra: Mapping[int, Array] | None = None) -> Array:
        """Backpropagate ``dL/d output``; ``extra[i]`` is added to ``dL/d outputs[i]``.

        ``extra`` carries penalties on intermediate activity (e.g. a sparsity term on a
        hidden layer's output), which enter the chain rule where that output is produced.
        """
        extra = extra or {}
        grad = np.asarray(grad_output, dtype=float)
        for index in range(len(self.layers) - 1, -1, -1):
            if index in extra:
                grad = grad + extra[index]
            grad = self.layers[index].backward(grad)
        return grad

    def named_params(self) -> dict[str, Array]:
        """``{"<layer>.weight": W, ...}``: the arrays themselves (updates act in place)."""
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()
        }

    def named_grads(self) -> dict[str, Array]:
        """Gradients from the last ``backward``, keyed like ``named_params``."""
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()
        }

    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def n_params(self) -> int:
        return int(sum(v.size for v in self.named_params().values()))


def build_mlp(
    sizes: list[int],
    activation: str,
    output_activation: str = "identity",
    init: str = "xavier",
    *,
    rng: np.random.Generator,
) -> MLP:
    """``sizes = [in, h1, ..., out]``: Dense layers with ``activation`` between them.

    ``rng`` draws the initial weights; pass one derived from the run's seed.
    """
    if len(sizes) < 2 or any(int(s) != s or s < 1 for s in sizes):
        raise ValueError(f"sizes must be >= 2 positive integers [in, ..., out], got {sizes}")
    ACTIVATIONS.check(activation)
    ACTIVATIONS.check(output_activation)
    init_fn = INITS.get(init)
    layers: list[Layer] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Dense(*init_fn(n_in, n_out, rng)))
        last = i == len(sizes) - 2
        if not last or output_activation != "identity":
            layers.append(ActivationLayer(output_activation if last else activation))
    return MLP(layers)


def count_params(sizes: list[int]) -> int:
    """Weights and biases of a dense MLP with layer widths ``sizes``."""
    return int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True)))


def single_linear_map(model: MLP) -> tuple[Array, Array]:
    """``(W, b)`` with ``model(x) == x W^T + b`` for a net whose activations are all identity.

    Composing affine maps gives an affine map, so depth without a nonlinearity adds nothing (2.2).
    """
    if any(
        isinstance(layer, ActivationLayer) and layer.name != "identity" for layer in model.layers
    ):
        raise ValueError("single_linear_map needs every activation to be 'identity'")
    dense = model.dense_layers()
    weight, bias = np.eye(dense[0].weight.shape[1]), np.zeros(dense[0].weight.shape[1])
    for layer in dense:
        weight, bias = layer.weight @ weight, layer.weight @ bias + layer.bias
    return weight, bias

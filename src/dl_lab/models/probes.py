"""The diagnostics' probe networks: a deep MLP with switches, a small CNN, init schemes.

``DeepMLP`` (gradient flow, activations, bias-variance): ``depth`` hidden layers
``Linear -> [BatchNorm] -> activation``, optionally residual (``h + F(h)``, He et al.,
2016) where the shapes allow. ``SmallCNN`` (pooling, normalization, complexity): blocks
of ``conv 3x3 -> [norm] -> ReLU -> [downsample]`` and one linear classifier. Both are
registered in ``NETWORKS`` (``deep_mlp``, ``small_cnn``); ``INITS`` holds the weight
initializations ``initialize`` applies.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from dl_lab.models.activations import build_activation
from dl_lab.models.layers import LRN, conv_out
from dl_lab.models.registry import NETWORKS
from dl_lab.registry import Registry

INITS: Registry[None] = Registry("initialization")


@INITS.register("default")
def _default(weight) -> None:
    """PyTorch's own: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (already applied at construction)."""


@INITS.register("xavier")
def _xavier(weight) -> None:
    nn.init.xavier_normal_(weight)  # Glorot & Bengio (2010): var = 2 / (fan_in + fan_out)


@INITS.register("he")
def _he(weight) -> None:
    nn.init.kaiming_normal_(weight, nonlinearity="relu")  # He et al. (2015): var = 2 / fan_in


@INITS.register("lecun")
def _lecun(weight) -> None:
    nn.init.kaiming_normal_(weight, nonlinearity="linear")  # var = 1 / fan_in (for SELU)


@INITS.register("small")
def _small(weight) -> None:
    nn.init.normal_(weight, std=0.01)  # a bad init: signals shrink layer by layer


@INITS.register("large")
def _large(weight) -> None:
    nn.init.normal_(weight, std=1.0)  # a bad init: signals grow ~sqrt(fan_in) per layer


def initialize(model: nn.Module, scheme: str) -> nn.Module:
    """Re-initialize every Linear/Conv weight with ``scheme`` (biases to 0 unless default)."""
    init = INITS.get(scheme)
    if scheme == "default":
        return model
    for module in model.modules():
        if isinstance(module, nn.Linear | nn.Conv2d):
            init(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


class _Block(nn.Sequential):
    def __init__(self, fan_in: int, width: int, activation: str, batch_norm: bool) -> None:
        norm = [nn.BatchNorm1d(width)] if batch_norm else []
        super().__init__(nn.Linear(fan_in, width), *norm, build_activation(activation))


@NETWORKS.register("deep_mlp")
class DeepMLP(nn.Module):
    """``depth`` hidden layers of ``width`` units (``depth + 1`` Linear layers in all)."""

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        depth: int,
        width: int,
        activation: str = "relu",
        batch_norm: bool = False,
        residual: bool = False,
    ) -> None:
        super().__init__()
        if depth < 1 or width < 1:
            raise ValueError(f"DeepMLP depth and width must be >= 1, got {depth}, {width}")
        self.residual = residual
        self.stem = _Block(in_features, width, activation, batch_norm)
        self.blocks = nn.ModuleList(
            _Block(width, width, activation, batch_norm) for _ in range(depth - 1)
        )
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        h = self.stem(x.flatten(1))  # (B, C, H, W) -> (B, width)
        for block in self.blocks:
            h = h + block(h) if self.residual else block(h)
        return self.head(h)

    def linears(self) -> list[nn.Linear]:
        """The Linear layers from input to output (for per-layer gradient norms)."""
        return [self.stem[0], *(block[0] for block in self.blocks), self.head]


NORMS: dict[str, Callable[[int], nn.Module]] = {
    "none": lambda c: nn.Identity(),
    "batch": nn.BatchNorm2d,
    "lrn": lambda c: LRN(),  # AlexNet's LRN (k=2, n=5, alpha=1e-4, beta=0.75)
}
DOWNSAMPLING = ("max", "avg", "stride", "none")


@NETWORKS.register("small_cnn")
class SmallCNN(nn.Module):
    """Blocks ``conv 3x3 -> [BN] -> ReLU -> [LRN] -> [pool]`` then one Linear classifier.

    ``downsample``: ``max``/``avg`` pool 2x2 after each block, ``stride`` makes each conv
    stride 2 (no pooling), ``none`` keeps full resolution. BN sits before the ReLU
    (Ioffe & Szegedy, 2015), LRN after it (Krizhevsky et al., 2012).
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 28,
        channels: tuple[int, ...] = (8, 16),
        downsample: str = "max",
        norm: str = "none",
    ) -> None:
        super().__init__()
        if downsample not in DOWNSAMPLING or norm not in NORMS:
            raise ValueError(
                f"SmallCNN downsample {downsample!r} (allowed {DOWNSAMPLING}) or norm {norm!r} "
                f"(allowed {tuple(NORMS)}) unknown"
            )
        blocks, size, fan_in = [], image_size, in_channels
        stride = 2 if downsample == "stride" else 1
        for out in channels:
            layers = [nn.Conv2d(fan_in, out, 3, stride=stride, padding=1)]
            layers += [NORMS[norm](out)] if norm == "batch" else []
            layers += [nn.ReLU()]
            layers += [NORMS[norm](out)] if norm == "lrn" else []
            size = conv_out(size, 3, padding=1, stride=stride)
            if downsample in ("max", "avg"):
                layers.append(nn.MaxPool2d(2) if downsample == "max" else nn.AvgPool2d(2))
                size = conv_out(size, 2, stride=2)
            if size < 1:
                raise ValueError(
                    f"SmallCNN: {image_size}px images are too small for {len(channels)} "
                    f"{downsample!r} blocks"
                )
            blocks.append(nn.Sequential(*layers))
            fan_in = out
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Linear(fan_in * size * size, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))  # (B, C, s, s) -> (B, C*s*s)

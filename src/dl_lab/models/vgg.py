"""VGG-style networks (Simonyan & Zisserman, 2015) and plain CNNs from a layer list.

Both are torchvision's VGG ``make_layers``: 3x3 convolutions (padding 1) with ReLU, and
"M" for 2x2 max pooling, written as data. ``vgg`` takes the paper's configurations A, B, D
and E (VGG-11/13/16/19) scaled by ``width``; on small inputs it keeps only the poolings
that leave a map of at least 1x1 (28x28 digits get four of the five), and its classifier
is the paper's two hidden layers with dropout, ``hidden`` units wide (4096 in the paper).
The original VGG had no batch norm; ``batch_norm: true`` gives the later VGG-BN.
``cnn`` is the same conv stack from any layer list: the course's small CNNs (3.8, 3.14,
and 1.18's shallow and deep networks) are ``cnn`` blocks in the parameters.
"""

from __future__ import annotations

from torch import nn
from torchvision.models.vgg import cfgs, make_layers

from dl_lab.models.layers import classifier_head, scaled
from dl_lab.models.registry import ARCHITECTURES

VGG_DEPTHS = {11: "A", 13: "B", 16: "D", 19: "E"}

Layers = list[int | str]


def conv_stack(layers: Layers, in_channels: int, batch_norm: bool) -> nn.Sequential:
    """torchvision's ``make_layers`` for ``in_channels`` inputs (it assumes RGB)."""
    features = make_layers(layers, batch_norm)
    first = features[0]
    features[0] = nn.Conv2d(in_channels, first.out_channels, kernel_size=3, padding=1)
    return features


def fit_to_input(layers: Layers, width: float, image_size: tuple[int, int]) -> tuple[Layers, int]:
    """Channels scaled by ``width``; poolings that would shrink the map below 1x1 dropped.

    Returns the layer list and the side of the final map (the smaller image side).
    """
    side, fitted = min(image_size), []
    for layer in layers:
        if layer == "M":
            if side < 2:
                continue
            side //= 2
            fitted.append("M")
        else:
            fitted.append(scaled(int(layer), width))
    return fitted, side


def _out_channels(layers: Layers) -> int:
    return [v for v in layers if v != "M"][-1]


class ConvNet(nn.Module):
    """A 3x3 conv stack (``features``) and a fully connected ``classifier``."""

    def __init__(
        self,
        layers: Layers,
        in_channels: int,
        num_classes: int,
        image_size: tuple[int, int],
        hidden: list[int],
        dropout: float,
        batch_norm: bool,
    ) -> None:
        super().__init__()
        h, w = image_size
        for layer in layers:
            if layer == "M":
                h, w = h // 2, w // 2
        if min(h, w) < 1:
            raise ValueError(f"layer list {layers} pools a {image_size} input below 1x1")
        self.features = conv_stack(layers, in_channels, batch_norm)
        self.classifier = classifier_head(
            _out_channels(layers) * h * w, hidden, num_classes, dropout
        )
        for module in self.modules():  # torchvision's VGG initialization (He et al., 2015)
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, 0, 0.01)
                nn.init.zeros_(module.bias)

    def forward(self, x):
        return self.classifier(self.features(x))


@ARCHITECTURES.register("cnn")
def cnn(
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    layers: Layers = (32, "M", 64, "M"),
    width: float = 1.0,
    hidden: list[int] = (128,),
    dropout: float = 0.0,
    batch_norm: bool = False,
) -> ConvNet:
    """A plain CNN: ``layers`` of 3x3 conv widths and "M" pools (widths times ``width``)."""
    if any(v != "M" and not isinstance(v, int) for v in layers):
        raise ValueError(f"cnn layers must be channel counts or 'M', got {list(layers)}")
    stack = [v if v == "M" else scaled(v, width) for v in layers]
    return ConvNet(stack, in_channels, num_classes, image_size, list(hidden), dropout, batch_norm)


@ARCHITECTURES.register("vgg")
def vgg(
    in_channels: int,
    num_classes: int,
    image_size: tuple[int, int],
    depth: int = 11,
    width: float = 1.0,
    hidden: int = 4096,
    dropout: float = 0.5,
    batch_norm: bool = False,
) -> ConvNet:
    """VGG-``depth`` (11, 13, 16 or 19 weight layers) with channels times ``width``."""
    if depth not in VGG_DEPTHS:
        raise ValueError(f"VGG depth must be one of {sorted(VGG_DEPTHS)}, got {depth}")
    layers, _ = fit_to_input(cfgs[VGG_DEPTHS[depth]], width, image_size)
    return ConvNet(
        layers, in_channels, num_classes, image_size, [hidden, hidden], dropout, batch_norm
    )

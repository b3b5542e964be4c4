"""The architecture zoo: plain ``nn.Module`` builders behind one registry.

Every builder takes ``in_channels``, ``num_classes`` and ``image_size`` (plus its own
options) and returns an ``nn.Module`` mapping (B, C, H, W) to (B, num_classes) logits.
Registered: mlp, lenet5, cnn, alexnet, zfnet, vgg, googlenet, resnet, tunable_cnn.
``NETWORKS`` holds the other networks (diagnostic probes, RL agents' networks), and
``ACTIVATIONS`` the activation functions every network builds from.
"""

from dl_lab.models import (  # noqa: F401  (registration)
    agents,
    alexnet,
    googlenet,
    lenet,
    mlp,
    probes,
    resnet,
    tunable_cnn,
    vgg,
)
from dl_lab.models.activations import ACTIVATIONS, build_activation
from dl_lab.models.registry import (
    ARCHITECTURES,
    NETWORKS,
    build_model,
    check_model_options,
    model_defaults,
    model_options,
)
from dl_lab.models.summary import activation_memory_bytes, count_parameters, flops_per_sample

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "NETWORKS",
    "build_activation",
    "activation_memory_bytes",
    "build_model",
    "check_model_options",
    "count_parameters",
    "flops_per_sample",
    "model_defaults",
    "model_options",
]

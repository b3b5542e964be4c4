"""The architecture zoo: plain ``nn.Module`` builders behind one registry.

Every builder takes ``in_channels``, ``num_classes`` and ``image_size`` (plus its own
options) and returns an ``nn.Module`` mapping (B, C, H, W) to (B, num_classes) logits.
"""

from dl_lab.models import lenet, mlp  # noqa: F401  (registration side effect)
from dl_lab.models.registry import ARCHITECTURES, build_model
from dl_lab.models.summary import count_parameters, flops_per_sample

__all__ = ["ARCHITECTURES", "build_model", "count_parameters", "flops_per_sample"]

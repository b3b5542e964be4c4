"""Course claims about parameter counts and shapes: 3.8, 3.18, 3.20, 3.24.

Nothing is trained: the course's small nets are built from our zoo (``findings.course_nets``)
on 28x28x1 digits, and the ImageNet networks from torchvision with ``weights=None`` on the
meta device (``models.summary``: shapes without memory, every count well under a second).
"""

from __future__ import annotations

from functools import cache

from torch import nn

from dl_lab.course.questions import Course
from dl_lab.course.rules import holds, within
from dl_lab.findings.vision.config import CourseNet, FindingsConfig
from dl_lab.findings.vision.tables import COMPARISON, Claim
from dl_lab.models import build_model, count_parameters
from dl_lab.models.summary import dense_sizes, feature_shapes, torchvision_parameters

DIGITS = {"in_channels": 1, "num_classes": 10, "image_size": (28, 28)}  # the course's MNIST
IMAGE = (DIGITS["in_channels"], *DIGITS["image_size"])  # (C, H, W)
TORCHVISION = {  # course key -> torchvision builder name and options
    "alexnet": ("alexnet", {}),
    "vgg16": ("vgg16", {}),
    "vgg19": ("vgg19", {}),
    # torchvision's published 6.6M counts GoogLeNet without its training-only aux heads.
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": False}),
    "resnet50": ("resnet50", {}),
    "resnet152": ("resnet152", {}),
}


def _build(net: CourseNet) -> nn.Module:
    return build_model(net.architecture, **DIGITS, **net.model)


@cache
def torchvision_count(key: str) -> int:
    """Parameters of the torchvision network the course calls ``key``, built on meta."""
    name, options = TORCHVISION[key]
    return torchvision_parameters(name, **options)


def _exact(claim: Claim, what: str, measured: int, course: Course, cfg: FindingsConfig) -> None:
    """``measured`` against the course's computed number (the claim's value), exactly: a
    count of the built network, which no seed changes."""
    expected = course.claim(claim.claim_id).value
    verdict = within(measured, expected, cfg.exact_count_tolerance, what, exact=True)
    claim.add(verdict, f"{what} {measured:,}")


def _same_shapes(claim: Claim, got: dict | list, course: Course) -> None:
    """Every shape the course lists (by name, or in order), one case each."""
    expected = course.claim(claim.claim_id).value
    named = isinstance(expected, dict)
    pairs = (
        [(got.get(k), v) for k, v in expected.items()]
        if named
        else zip(got, expected, strict=False)
    )
    checks = [shape == want for shape, want in pairs] + [len(got) == len(expected)]
    claim.add(holds(checks, "shapes"), str(got))


def simple_cnn(cfg: FindingsConfig, course: Course) -> list[Claim]:
    """3.8: the simple CNN's parameter count, flatten size and shapes."""
    net = _build(cfg.course_nets.simple_cnn)
    params = Claim("3.8-params", "our cnn with the course's layers")
    _exact(params, "parameters", count_parameters(net), course, cfg)
    flatten = Claim("3.8-flatten", "our cnn's features into the dense head")
    _exact(flatten, "flatten size", dense_sizes(net.classifier)[0], course, cfg)
    shapes = Claim("3.8-shapes", "H x W x C after input, conv1, pool1, conv2, pool2")
    first = [*DIGITS["image_size"], DIGITS["in_channels"]]
    maps = [first, *feature_shapes(net.features, IMAGE, (nn.ReLU, nn.MaxPool2d))]
    _same_shapes(shapes, maps, course)
    return [params, flatten, shapes]


def lenet(cfg: FindingsConfig, course: Course) -> list[Claim]:
    """3.18: the course's 28x28 valid-padding LeNet: its 44,426 parameters and shapes."""
    net = _build(cfg.course_nets.lenet_28)
    params = Claim("3.18-params", "our lenet5", (COMPARISON,))
    _exact(params, "28x28 valid-padding LeNet parameters", count_parameters(net), course, cfg)
    classic = count_parameters(_build(cfg.course_nets.lenet_classic))
    params.note(f"the classic 32x32-field LeNet-5 (no RBF output) has {classic:,}")
    shapes = Claim("3.18-shapes", "C1, S2, C3, S4 (H x W x C) and the dense sizes")
    maps = feature_shapes(net.features, IMAGE, (nn.Conv2d, nn.AvgPool2d, nn.MaxPool2d))
    got = dict(zip(("c1", "s2", "c3", "s4"), maps, strict=False))
    _same_shapes(shapes, {**got, "fc": dense_sizes(net.classifier)}, course)
    return [params, shapes]


def imagenet_counts(cfg: FindingsConfig, course: Course) -> list[Claim]:
    """3.20 and 3.24: the named networks' "about" counts, as corrected where wrong."""
    count = {key: torchvision_count(key) for key in TORCHVISION}
    count["lenet"] = count_parameters(_build(cfg.course_nets.lenet_classic))  # 3.20's ~60K
    claims = []
    for claim_id in ("3.20-params", "3.24-vgg", "3.24-resnet152", "3.24-googlenet"):
        value = course.claim(claim_id).value
        expected = value if isinstance(value, dict) else {claim_id.split("-")[1]: value}
        source = "torchvision, weights=None" + (
            "; LeNet: our lenet5" if "lenet" in expected else ""
        )
        claim = Claim(claim_id, f"parameters ({source})")
        for key, about in expected.items():
            tolerance = cfg.count_relative_tolerance * about
            verdict = within(count[key], about, tolerance, key, exact=True)  # a count
            claim.add(verdict, f"{key} {count[key]:,}")
        claims.append(claim)
    return claims


def count_claims(cfg: FindingsConfig, course: Course) -> list[Claim]:
    """Every count and shape claim."""
    return [*simple_cnn(cfg, course), *lenet(cfg, course), *imagenet_counts(cfg, course)]

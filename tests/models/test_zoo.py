"""The architecture zoo: shapes on digits and colour images, sizes, costs, and paper details."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchvision.models.googlenet import Inception
from torchvision.models.resnet import BasicBlock

from dl_lab.models import (
    ARCHITECTURES,
    activation_memory_bytes,
    build_model,
    check_model_options,
    count_parameters,
    flops_per_sample,
    model_options,
)
from dl_lab.models.layers import LRN
from dl_lab.models.resnet import PlainBlock

# Small widths so every forward pass is quick; the builders' defaults are the papers'.
SMALL = {
    "alexnet": {"width": 0.0625, "hidden": 32},
    "zfnet": {"width": 0.0625, "hidden": 32},
    "vgg": {"width": 0.0625, "hidden": 32},
    "googlenet": {"width": 0.0625, "blocks": 3},
    "resnet": {"depth": 8, "width": 4},
    "cnn": {"width": 0.25},
    "mlp": {"depth": 1, "width": 16},
}
INPUTS = [(1, 28, 28), (3, 32, 32)]


def _build(name: str, shape: tuple[int, int, int], **options) -> nn.Module:
    options = {**SMALL.get(name, {}), **options}
    return build_model(name, in_channels=shape[0], num_classes=10, image_size=shape[1:], **options)


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("shape", INPUTS, ids=["1x28x28", "3x32x32"])
@pytest.mark.parametrize("name", ARCHITECTURES.available())
def test_every_architecture_maps_images_to_class_logits(name, shape):
    model = _build(name, shape)
    logits = model(torch.rand(2, *shape))
    assert logits.shape == (2, 10)
    assert count_parameters(model) > 0
    assert flops_per_sample(model, shape) > 0


@pytest.mark.parametrize(
    "shape, options",
    [((1, 28, 28), {}), ((1, 32, 32), {}), ((3, 32, 32), {})],
    ids=["28x28-pad2", "32x32", "rgb"],
)
def test_lenet5_has_61706_parameters_on_a_32x32_field(shape, options):
    model = _build("lenet5", shape, **options)
    # The RGB input adds 2 * 6 * 25 weights in C1.
    expected = 61_706 + (shape[0] - 1) * 6 * 25
    assert count_parameters(model) == expected


def test_lenet5_source_variant_without_padding_has_44426_parameters():
    """Course 3.18: 28x28, valid padding, FC input 16 * 4 * 4 = 256."""
    model = _build("lenet5", (1, 28, 28), first_padding=0)
    assert model.classifier[1].in_features == 256
    assert count_parameters(model) == 44_426


def test_lenet5_flops_match_a_hand_count():
    # MACs: C1 28*28*6*25 + C3 10*10*16*150 + 400*120 + 120*84 + 84*10; FLOPs = 2 * MACs.
    macs = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10
    assert flops_per_sample(_build("lenet5", (1, 28, 28)), (1, 28, 28)) == 2 * macs


def test_lenet5_classic_uses_tanh_and_average_pooling():
    kinds = {type(m) for m in _build("lenet5", (1, 28, 28), style="classic").modules()}
    assert {nn.Tanh, nn.AvgPool2d} <= kinds and not {nn.ReLU, nn.MaxPool2d} & kinds


def test_course_3_8_cnn_has_421642_parameters():
    """28x28 -> conv32 -> pool -> conv64 -> pool -> 3136 -> 128 -> 10 (same padding)."""
    model = build_model("cnn", in_channels=1, num_classes=10, image_size=(28, 28))
    assert model.classifier[1].in_features == 3136
    assert count_parameters(model) == 421_642


def test_zfnet_is_alexnet_with_a_smaller_first_filter_and_stride():
    alex, zf = _build("alexnet", (1, 28, 28)), _build("zfnet", (1, 28, 28))
    a1, z1 = alex.features[0][0], zf.features[0][0]
    assert a1.kernel_size[0] > z1.kernel_size[0] and a1.stride[0] > z1.stride[0]
    convs = lambda m: [c.out_channels for c in m.modules() if isinstance(c, nn.Conv2d)]  # noqa: E731
    assert convs(alex) == convs(zf) and len(convs(alex)) == 5
    linears = [m for m in alex.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 3
    assert any(isinstance(m, LRN) for m in alex.modules())
    assert not any(isinstance(m, LRN) for m in _build("alexnet", (1, 28, 28), lrn=False).modules())


@pytest.mark.parametrize("depth, convs", [(11, 8), (13, 10), (16, 13), (19, 16)])
def test_vgg_depth_counts_weight_layers(depth, convs):
    model = _build("vgg", (3, 32, 32), depth=depth)
    kernels = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(kernels) == convs and {k.kernel_size for k in kernels} == {(3, 3)}
    assert len([m for m in model.modules() if isinstance(m, nn.Linear)]) == 3


def test_vgg_keeps_only_poolings_that_fit_a_small_input():
    pools = lambda shape: sum(  # noqa: E731
        isinstance(m, nn.MaxPool2d) for m in _build("vgg", shape).modules()
    )
    assert pools((3, 32, 32)) == 5 and pools((1, 28, 28)) == 4


def test_googlenet_stacks_torchvision_inception_modules_with_1x1_reductions():
    model = _build("googlenet", (1, 28, 28), blocks=4)
    modules = [m for m in model.modules() if isinstance(m, Inception)]
    assert len(modules) == 4
    reduce = modules[0].branch2[0].conv
    assert (
        reduce.kernel_size == (1, 1)
        and reduce.out_channels < modules[0].branch2[1].conv.out_channels
    )


def test_resnet_without_skip_is_the_same_network_minus_shortcuts():
    residual = _build("resnet", (3, 32, 32), depth=14)
    plain = _build("resnet", (3, 32, 32), depth=14, skip=False)
    blocks = [m for m in residual.modules() if isinstance(m, BasicBlock)]
    assert len(blocks) == 6 and not any(isinstance(b, PlainBlock) for b in blocks)
    assert all(isinstance(b, PlainBlock) for b in plain.modules() if isinstance(b, BasicBlock))
    projections = sum(count_parameters(b.downsample) for b in blocks if b.downsample is not None)
    assert count_parameters(residual) - count_parameters(plain) == projections


def test_plain_block_drops_the_identity_term():
    block = PlainBlock(4, 4).eval()
    residual = BasicBlock(4, 4).eval()
    residual.load_state_dict(block.state_dict())
    x = torch.randn(1, 4, 6, 6)
    expected = torch.relu(
        residual.bn2(residual.conv2(residual.relu(residual.bn1(residual.conv1(x)))))
    )
    assert torch.allclose(block(x), expected)
    assert not torch.allclose(residual(x), expected)


def test_resnet_depth_must_be_6n_plus_2():
    with pytest.raises(ValueError, match="6n \\+ 2"):
        _build("resnet", (1, 28, 28), depth=10)


def test_lrn_uses_the_papers_alpha_not_torchs_alpha_over_n():
    """b = a / (k + alpha * sum over 5 neighbours of a^2)^beta with AlexNet's constants."""
    x = torch.rand(1, 7, 2, 2) + 0.5
    out = LRN()(x)
    c = 3
    neighbourhood = (x[:, c - 2 : c + 3] ** 2).sum(dim=1)
    expected = x[:, c] / (2.0 + 1e-4 * neighbourhood) ** 0.75
    assert torch.allclose(out[:, c], expected)
    hidden = torch.rand(4, 7)  # an MLP's units are normalized across neighbours too
    assert torch.allclose(LRN()(hidden), LRN()(hidden.unsqueeze(-1)).squeeze(-1))


def test_unknown_option_names_the_architecture_and_its_options():
    with pytest.raises(ValueError, match="'lenet5' has no option 'widht'; its options: style"):
        check_model_options("lenet5", {"widht": 2})
    assert "skip" in model_options("resnet") and "in_channels" not in model_options("resnet")
    with pytest.raises(ValueError, match="'zfnet' has no option 'widht'; its options: width"):
        check_model_options("zfnet", {"widht": 2})  # it delegates to alexnet's options


def test_activation_memory_grows_with_the_batch():
    model = _build("lenet5", (1, 28, 28))
    one, four = (activation_memory_bytes(model, (1, 28, 28), b) for b in (16, 64))
    assert one > 0 and four == pytest.approx(4 * one, rel=0.05)

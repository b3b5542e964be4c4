"""Each named regularizer changes the loss, the weights or the training as it claims."""

from __future__ import annotations

import pytest
import torch
from lightning.pytorch.callbacks import EarlyStopping
from torch import nn

from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.models.layers import LRN
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.regularizers import (
    REGULARIZERS,
    apply_max_norm,
    penalized_weights,
    weight_histogram,
    weight_statistics,
)
from dl_lab.training.tasks import build_task_module
from dl_lab.training.trainer import build_trainer


@pytest.fixture
def bundle():
    return synthetic_bundle((32, 16, 16), classes=3, shape=(1, 28, 28))


def _module(bundle, regularizers, architecture="mlp", **spec):
    model = {"depth": 1, "width": 8} if architecture == "mlp" else {}
    variant = VariantSpec(architecture=architecture, model=model, regularizers=regularizers, **spec)
    torch.manual_seed(0)
    return build_task_module(bundle, variant, AugmentationSpec(noise_std=0.1)), variant


def _training_loss(module, bundle) -> torch.Tensor:
    torch.manual_seed(1)
    return module.training_loss((bundle.x_train, bundle.y_train))


def _data_loss(module, bundle) -> torch.Tensor:
    return module.model_step((bundle.x_train, bundle.y_train))[0]


@pytest.mark.parametrize(
    "name, options, penalty",
    [
        ("l1", {"strength": 1e-3}, lambda ws: 1e-3 * sum(w.abs().sum() for w in ws)),
        ("l2", {"strength": 1e-3}, lambda ws: 1e-3 * sum((w**2).sum() for w in ws)),
        (
            "elastic_net",
            {"strength": 1e-3, "l1_ratio": 0.25},
            lambda ws: 1e-3 * sum(0.25 * w.abs().sum() + 0.75 * (w**2).sum() for w in ws),
        ),
    ],
)
def test_penalties_add_lambda_times_the_norm_of_the_weights_to_the_loss(
    bundle, name, options, penalty
):
    module, _ = _module(bundle, {name: options})
    module.train()
    expected = _data_loss(module, bundle) + penalty(penalized_weights(module.net))
    assert torch.allclose(_training_loss(module, bundle), expected)
    biases = [p for p in module.net.parameters() if p.ndim == 1]
    assert biases and all(id(b) not in map(id, penalized_weights(module.net)) for b in biases)


def test_decoupled_weight_decay_shrinks_weights_without_touching_the_loss(bundle):
    module, variant = _module(bundle, {"weight_decay": {"strength": 0.5}})
    assert variant.optimizer.name == "adamw" and variant.optimizer.weight_decay == 0.5
    optimizer = module.configure_optimizers()
    assert isinstance(optimizer, torch.optim.AdamW)
    plain, _ = _module(bundle, {})
    assert torch.allclose(_training_loss(module, bundle), _training_loss(plain, bundle))
    before = [w.detach().clone() for w in module.net.parameters()]
    for w in module.net.parameters():
        w.grad = torch.zeros_like(w)  # no data gradient: only the decay acts
    optimizer.step()
    lr = variant.optimizer.lr
    for old, new in zip(before, module.net.parameters(), strict=True):
        assert torch.allclose(new, old * (1 - lr * 0.5))


def test_dropout_zeroes_units_in_training_and_not_in_evaluation(bundle):
    module, variant = _module(bundle, {"dropout": {"p": 0.5}})
    layers = [m for m in module.net.modules() if isinstance(m, nn.Dropout)]
    assert layers and {m.p for m in layers} == {0.5}
    x = bundle.x_train[:4]
    module.train()
    assert not torch.allclose(module(x), module(x))
    module.eval()
    assert torch.allclose(module(x), module(x))


def test_batch_norm_and_lrn_add_their_layers(bundle):
    bn, _ = _module(bundle, {"batch_norm": {}}, architecture="lenet5")
    lrn, _ = _module(bundle, {"lrn": {}}, architecture="lenet5")
    plain, _ = _module(bundle, {}, architecture="lenet5")
    assert any(isinstance(m, nn.BatchNorm2d) for m in bn.net.modules())
    assert sum(isinstance(m, LRN) for m in lrn.net.modules()) == 2
    assert not any(isinstance(m, nn.BatchNorm2d | LRN) for m in plain.net.modules())


def test_early_stopping_overrides_the_trainer(tmp_path):
    variant = VariantSpec(
        architecture="mlp",
        regularizers={"early_stopping": {"patience": 2, "min_delta": 0.01, "restore_best": True}},
    )
    base = TrainerConfig(early_stopping={"enabled": False, "restore_best": False})
    cfg = variant.trainer_config(base)
    assert cfg.early_stopping.enabled and cfg.early_stopping.patience == 2
    trainer = build_trainer(cfg, checkpoint_dir=tmp_path)
    (stopper,) = [c for c in trainer.callbacks if isinstance(c, EarlyStopping)]
    assert stopper.patience == 2 and stopper.min_delta == -0.01  # Lightning stores it signed
    plain = build_trainer(base, checkpoint_dir=tmp_path)
    assert not any(isinstance(c, EarlyStopping) for c in plain.callbacks)


def test_augmentation_changes_training_batches_only(bundle):
    module, variant = _module(bundle, {"augmentation": {}})
    assert variant.augment and module.augment is not None
    plain, _ = _module(bundle, {})
    assert plain.augment is None
    module.train()
    plain.train()
    assert not torch.allclose(_training_loss(module, bundle), _training_loss(plain, bundle))
    module.eval()
    plain.eval()
    x = bundle.x_val
    assert torch.allclose(module(x), plain(x))  # validation and test are never augmented


def test_max_norm_clamps_every_units_incoming_weights(bundle):
    module, variant = _module(bundle, {"max_norm": {"norm": 0.1}})
    assert module.max_norm == 0.1
    with torch.no_grad():
        for w in penalized_weights(module.net):
            w.mul_(10)
    module.apply_constraints()
    for w in penalized_weights(module.net):
        assert w.view(w.shape[0], -1).norm(dim=1).max() <= 0.1 + 1e-6
    small = nn.Linear(4, 2)
    with torch.no_grad():
        small.weight.fill_(0.01)
    before = small.weight.clone()
    apply_max_norm(small, 1.0)
    assert torch.equal(small.weight, before)  # units under the limit are left alone


def test_every_registered_regularizer_builds_a_module(bundle):
    minimal = {
        "l1": {"strength": 1e-4},
        "l2": {"strength": 1e-4},
        "weight_decay": {"strength": 0.01},
    }
    minimal |= {"elastic_net": {"strength": 1e-4}, "dropout": {"p": 0.2}, "max_norm": {"norm": 3}}
    for name in REGULARIZERS:
        module, variant = _module(bundle, {name: minimal.get(name, {})}, architecture="lenet5")
        assert variant.regularizer == name
        assert module(bundle.x_val[:2]).shape == (2, 3)


def test_regularizers_combine_and_label_the_run():
    variant = VariantSpec(
        architecture="mlp",
        regularizers={"l1": {"strength": 1e-4}, "l2": {"strength": 1e-3}, "dropout": {"p": 0.3}},
    )
    assert [p.name for p in variant.all_penalties()] == ["l1", "l2"]
    assert variant.model["dropout"] == 0.3
    assert variant.regularizer == "dropout+l1+l2"
    assert VariantSpec(**variant.model_dump()) == variant  # folding twice changes nothing
    for name in ("alexnet", "zfnet"):  # their defaults count
        assert VariantSpec(architecture=name).regularizer == "dropout+lrn"
    assert VariantSpec(architecture="mlp").regularizer == "none"


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"regularizers": {"l3": {}}}, "unknown regularizer 'l3'; available: augmentation, "),
        (
            {"regularizers": {"dropout": {"p": 1.0}}},
            "regularizers.dropout.p: Input should be less than 1",
        ),
        ({"regularizers": {"dropout": {"p": -0.1}}}, "regularizers.dropout.p"),
        ({"model": {"dropout": 1.2}}, "model.dropout must be in \\[0, 1\\), got 1.2"),
        (
            {"regularizers": {"l1": {"strength": -1e-3}}},
            "regularizers.l1.strength: Input should be greater than or equal to 0",
        ),
        ({"regularizers": {"l2": {"lambda": 1}}}, "regularizers.l2.lambda: Extra inputs"),
        ({"regularizers": {"none": {}, "l1": {"strength": 1}}}, "'none' cannot be combined"),
        ({"regularizers": {"dropout": {"p": 0.5}}, "model": {"dropout": 0.2}}, "already has 0.2"),
        (
            {"regularizers": {"weight_decay": {"strength": 0.1}}, "optimizer": {"name": "sgd"}},
            "needs optimizer adam or adamw",
        ),
        ({"regularizer": "l2+sparsity"}, "unknown regularizer 'sparsity'"),
        ({"architecture": "densenet"}, "unknown architecture 'densenet'; available: alexnet, cnn"),
        ({"model": {"depht": 3}}, "'mlp' has no option 'depht'"),
    ],
)
def test_bad_regularization_fails_naming_the_key_and_the_allowed_values(spec, message):
    with pytest.raises(ValueError, match=message):
        VariantSpec(**{"architecture": "mlp", **spec})


def test_weight_statistics_and_histogram_count_near_zero_weights():
    layer = nn.Linear(4, 1, bias=True)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.0, 1e-4, 0.5, -2.0]]))
    stats = weight_statistics(layer, threshold=1e-3)
    assert stats["near_zero_fraction"] == 0.5 and stats["zero_fraction"] == 0.25
    assert stats["weight_l2_norm"] == pytest.approx((1e-8 + 0.25 + 4.0) ** 0.5)
    counts = weight_histogram(layer, torch.linspace(-8, 1, 10))  # 1-wide log10 bins
    assert (
        counts.sum() == 4 and counts[0] == 1 and counts[4] == 1
    )  # 0 -> first bin; 1e-4 -> [-4, -3)

"""A variant's own training options: batch size, epoch cap, training subset, label smoothing."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.tracking import RunIdentity
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import FitJob
from dl_lab.training.tasks import build_task_module


def test_a_variant_overrides_the_trainers_batch_size_and_epochs():
    trainer = TrainerConfig(max_epochs=10, batch_size=128)
    cfg = VariantSpec(architecture="mlp", batch_size=32, max_epochs=40).trainer_config(trainer)
    assert (cfg.batch_size, cfg.max_epochs) == (32, 40)
    assert VariantSpec(architecture="mlp").trainer_config(trainer).batch_size == 128


def test_epoch_limit_caps_every_variant_and_the_trainer():
    trainer = TrainerConfig(max_epochs=10, epoch_limit=2)
    assert VariantSpec(architecture="mlp", max_epochs=40).trainer_config(trainer).max_epochs == 2
    assert VariantSpec(architecture="mlp").trainer_config(trainer).max_epochs == 2
    roomy = TrainerConfig(max_epochs=10, epoch_limit=50)
    assert VariantSpec(architecture="mlp", max_epochs=40).trainer_config(roomy).max_epochs == 40


@pytest.mark.parametrize("bad", [{"batch_size": 0}, {"train_samples": 0}, {"label_smoothing": 1.0}])
def test_out_of_range_options_are_refused(bad):
    key = next(iter(bad))
    with pytest.raises(ValueError, match=key):
        VariantSpec(architecture="mlp", **bad)


def test_train_samples_trains_on_a_fixed_subset_with_its_own_fingerprint():
    data = synthetic_bundle()
    variant = VariantSpec(architecture="mlp", train_samples=30)
    job = FitJob(data, variant, TrainerConfig(), RunIdentity("vision", "s", "v", 3))
    subset = job.with_variant_data().data
    again = FitJob(data, variant, TrainerConfig(), RunIdentity("vision", "s", "v", 4))
    assert len(subset.y_train) == 30 and len(subset.y_test) == len(data.y_test)
    assert subset.fingerprint == f"{data.fingerprint}-train30" != data.fingerprint
    assert torch.equal(again.with_variant_data().data.y_train, subset.y_train)  # any seed
    whole = FitJob(data, VariantSpec(architecture="mlp"), TrainerConfig(), job.identity)
    assert whole.with_variant_data() is whole


def test_label_smoothing_changes_the_training_loss_not_the_logged_one():
    data = synthetic_bundle()
    torch.manual_seed(0)
    smooth = build_task_module(
        data, VariantSpec(architecture="mlp", label_smoothing=0.1), AugmentationSpec()
    )
    batch = data.split("train")
    seen: list = []
    total = smooth.training_loss(batch, seen)
    logits = seen[0][1]
    assert total.item() == pytest.approx(
        F.cross_entropy(logits, batch[1], label_smoothing=0.1).item()
    )
    assert seen[0][0].item() == pytest.approx(F.cross_entropy(logits, batch[1]).item())
    assert total.item() != pytest.approx(seen[0][0].item())

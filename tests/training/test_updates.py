"""The short update path is Lightning's path minus hooks nobody implements: same weights,
same step count; anything that listens to the per-update hooks gets Lightning's path."""

from __future__ import annotations

import lightning.pytorch as pl
import torch

from dl_lab.training.classification import ClassificationModule, Standardize
from dl_lab.training.datamodule import TensorDataModule
from dl_lab.training.optimizers import OptimizerConfig
from dl_lab.training.updates import direct_updates


class CountBackward(pl.Callback):
    """Listens to a per-update hook, so the trainer must dispatch it."""

    def __init__(self) -> None:
        self.calls = 0

    def on_after_backward(self, trainer, pl_module) -> None:
        self.calls += 1


class RecordPath(pl.Callback):
    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.direct = pl_module._direct_updates


def _train(*callbacks: pl.Callback, clip: float | None = 0.5, precision: str = "32-true"):
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(200, 1, 6, 6, generator=generator)
    y = torch.randint(0, 3, (200,), generator=generator)
    pl.seed_everything(3, verbose=False)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(36, 16), torch.nn.ReLU())
    net.append(torch.nn.Linear(16, 3))
    module = ClassificationModule(
        net, 3, OptimizerConfig(name="sgd_momentum", lr=0.5), Standardize(x.mean(), x.std())
    )
    module.gradient_clip_val = clip
    trainer = pl.Trainer(
        max_epochs=2,
        accelerator="cpu",
        precision=precision,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=list(callbacks),
    )
    data = TensorDataModule({"train": (x, y), "val": (x[:50], y[:50])}, 16, 0, updates_per_step=4)
    trainer.fit(module, datamodule=data)
    return module, trainer


def test_short_path_matches_lightnings_path_update_for_update():
    path = RecordPath()
    direct, direct_trainer = _train(path)
    assert path.direct
    counter, path = CountBackward(), RecordPath()
    hooked, hooked_trainer = _train(counter, path)
    assert not path.direct
    updates = 2 * -(-200 // 16)  # 13 mini-batches of 16 per epoch
    assert counter.calls == updates  # the listening callback saw every update
    assert direct_trainer.global_step == hooked_trainer.global_step == updates
    for a, b in zip(direct.net.parameters(), hooked.net.parameters(), strict=True):
        assert torch.equal(a, b)
    assert (
        direct_trainer.callback_metrics["train_loss"]
        == hooked_trainer.callback_metrics["train_loss"]
    )


def test_mixed_precision_keeps_lightnings_path():
    path = RecordPath()
    _, trainer = _train(path, precision="bf16-mixed")
    assert not path.direct and not direct_updates(trainer)

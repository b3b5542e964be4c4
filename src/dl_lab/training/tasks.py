"""Task modules by name: what is learned (classification today; regression, reconstruction,
sequence-to-sequence next) and how it is scored.

A task registers a builder ``(data, variant, augmentation) -> LightningModule`` in its own
module (``@TASKS.register("classification")`` in ``training/classification.py``); a variant
names its task (``task: classification``, the default) and ``build_task_module`` builds it.
A new task is a new module and one registration: nothing else in training/ changes. Its
module logs ``train_loss``/``val_loss`` per epoch plus its own metrics, and declares them in
``history_keys`` so the fit's history and summary pick them up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dl_lab.registry import Registry

if TYPE_CHECKING:  # annotations only: the config imports this registry
    import lightning.pytorch as pl

    from dl_lab.data.augmentation import AugmentationSpec
    from dl_lab.data.bundle import ModelInput
    from dl_lab.training.config import VariantSpec

TASKS: Registry[Any] = Registry("task")


def build_task_module(
    data: ModelInput, variant: VariantSpec, augmentation: AugmentationSpec
) -> pl.LightningModule:
    """The LightningModule of ``variant.task`` for ``variant`` on ``data``."""
    return TASKS.get(variant.task)(data=data, variant=variant, augmentation=augmentation)

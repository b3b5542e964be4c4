"""Training: LightningModules per task, regularizers, optimizers, callbacks, trainer factory."""

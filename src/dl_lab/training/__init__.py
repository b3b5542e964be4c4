"""Training: task LightningModules in a registry, the one trainer factory, fit, the fast
plain loop, optimizers, schedules, regularizers, callbacks and resume."""

from dl_lab.training import classification  # noqa: F401  (registers the "classification" task)

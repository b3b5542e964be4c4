"""Who a study's MLflow runs are: every name and tag comes from the study's ``RunIdentity``.

The study run, its trials and the final retrain share the study's seed, so their names
leave it out: ``{study}__study``, ``{study}__trial007``, ``{study}__best_retrained``.
Their tags are the study identity's (pipeline, study, seed, data set, fingerprint, sampler,
pruner) with the run's ``variant`` and what sets it apart (trial number, architecture).
"""

from __future__ import annotations

from dataclasses import replace

from dl_lab.data.bundle import ModelInput
from dl_lab.tracking import RunIdentity
from dl_lab.training.config import VariantSpec
from dl_lab.tuning.config import TuningConfig

STUDY = "study"
FINAL = "best_retrained"


def study_identity(
    pipeline: str, cfg: TuningConfig, data: ModelInput, seed: int, **extra: object
) -> RunIdentity:
    """The study run's identity: ``pipeline``, the study's name, sampler, pruner and budget."""
    identity = RunIdentity(pipeline, cfg.study_name, STUDY, seed).for_data(data)
    return identity.with_tags(
        sampler=cfg.sampler.name, pruner=cfg.pruner.name, n_trials=cfg.n_trials, **extra
    )


def trial_identity(study: RunIdentity, number: int, variant: VariantSpec) -> RunIdentity:
    """Trial ``number`` of ``study``, training ``variant``."""
    return replace(study, variant=f"trial{number:03d}").with_tags(
        trial_number=number, architecture=variant.architecture, regularizer=variant.regularizer
    )


def final_identity(study: RunIdentity, trial: int, variant: VariantSpec) -> RunIdentity:
    """The best trial's configuration retrained: the study's last run."""
    return replace(study, variant=FINAL).with_tags(
        trial_number=trial, architecture=variant.architecture, regularizer=variant.regularizer
    )


def run_name(identity: RunIdentity) -> str:
    """``{study}__{variant}``: the runs of one study all carry its seed."""
    return f"{identity.study}__{identity.variant}"

"""Run a study end to end inside one MLflow study run, and summarize it.

MLflow layout: one run per *study* (``{study}__study``), nested under the ``kedro run``
that created it, with one child run per trial. The study run's id is stored in the
study itself (``user_attrs``), so a later session, or another worker sharing the
storage, re-opens the same run and its trials land beside the earlier ones; its
``kedro run`` parent is tagged with ``study`` and ``study_run_id`` to find it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.errors import NonFiniteLossError
from dl_lab.tuning.config import TuningConfig
from dl_lab.tuning.objective import make_objective
from dl_lab.tuning.results import best_summary, importance_table, intermediate_table, trials_table
from dl_lab.tuning.runs import run_name
from dl_lab.tuning.study import finished_count, open_study, optimize, redact

RUN_ATTR = "mlflow_run_id"


@dataclass
class StudyResult:
    """Tables and the best configuration of a study, and what this session added."""

    trials: pd.DataFrame
    intermediate: pd.DataFrame
    importances: pd.DataFrame
    best: dict[str, Any]
    ran: int
    run_id: str


def study_params(cfg: TuningConfig) -> dict[str, Any]:
    """The study's configuration as run parameters (storage password removed)."""
    params = cfg.model_dump(mode="json", exclude={"n_trials"})
    params["storage"]["url"] = redact(cfg.storage.url)
    return params


def study_metrics(result: StudyResult) -> dict[str, float]:
    """Counts by state, epochs spent and the best validation accuracy."""
    states = result.trials["state"].value_counts()
    return {
        "trials_complete": int(states.get("COMPLETE", 0)),
        "trials_pruned": int(states.get("PRUNED", 0)),
        "trials_failed": int(states.get("FAIL", 0)),
        "trials_this_session": result.ran,
        "epochs_spent": int(result.trials["epochs_run"].fillna(0).sum()),
        "best_val_acc": float(result.best["val_acc"]),
    }


def run_study(data: ModelInput, cfg: TuningConfig, study_run: tracking.RunIdentity) -> StudyResult:
    """Open (or continue) the study, run the missing trials, and summarize every trial.

    ``study_run`` names and tags the study run (``runs.study_identity``); its seed seeds
    the sampler and every trial.
    """
    seed = study_run.seed
    study = open_study(cfg, seed)
    with tracking.reopen_or_start_run(
        run_name(study_run), study_run.tags(), study_params(cfg), study.user_attrs.get(RUN_ATTR)
    ) as run_id:
        study.set_user_attr(RUN_ATTR, run_id)
        objective = make_objective(data, cfg, study_run)
        ran = optimize(study, objective, cfg.n_trials, catch=(NonFiniteLossError,))
        if not any(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False)):
            raise RuntimeError(
                f"no trial of study {cfg.study_name!r} completed ({finished_count(study)} "
                "finished, all pruned or failed); check tuning.search_space and tuning.pruner"
            )
        result = StudyResult(
            trials_table(study),
            intermediate_table(study),
            importance_table(study, seed),
            best_summary(study, seed),
            ran,
            run_id,
        )
        tracking.log_metrics(run_id, study_metrics(result))
    return result

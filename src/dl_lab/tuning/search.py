"""Run a study end to end inside one MLflow study run, and summarize it.

MLflow layout: one run per *study* (``{study}__study``), nested under the ``kedro run``
that created it, with one child run per trial. The study run's id is stored in the
study itself (``user_attrs``), so a later session, or another worker sharing the
storage, re-opens the same run and its trials land beside the earlier ones; its
``kedro run`` parent is tagged with ``study`` and ``study_run_id`` to find it.

``run_study`` is what the tuning pipeline runs: it creates or continues the study, runs
trials, waits for those other workers still train, and summarizes. ``join_study`` is what
an extra worker runs (``kedro tune-worker``): trials only, into the same study run, until
the study has ``n_trials``; the kedro run summarizes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import optuna
import pandas as pd

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.errors import NonFiniteLossError
from dl_lab.tuning.config import TuningConfig
from dl_lab.tuning.locks import study_lock
from dl_lab.tuning.objective import make_objective
from dl_lab.tuning.results import best_summary, importance_table, intermediate_table, trials_table
from dl_lab.tuning.runs import run_name
from dl_lab.tuning.study import finished_count, open_study, optimize, redact

RUN_ATTR = "mlflow_run_id"
log = logging.getLogger(__name__)


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
        ran = optimize(
            study,
            objective,
            cfg.n_trials,
            catch=(NonFiniteLossError,),
            lock=study_lock(cfg.storage, cfg.study_name),
            wait_s=cfg.worker_wait_s(),
        )
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


def join_study(
    study: optuna.Study,
    run_id: str,
    data: ModelInput,
    cfg: TuningConfig,
    study_run: tracking.RunIdentity,
) -> int:
    """Work on a study that a ``kedro run --pipelines tuning`` runs: run trials into its
    MLflow study run ``run_id`` (``wait_for_study_run``) until the study, all workers
    together, has ``cfg.n_trials``. Returns how many trials ran here.

    ``study`` is the study as this worker opened it (``open_study`` with ``cfg``, whose
    ``worker`` sets this worker's sampler seed apart); from here on the worker needs the
    study's lock only to start each trial. ``study_run`` is the study's identity, as the
    kedro run builds it.
    """
    with tracking.reopen_or_start_run(
        run_name(study_run), study_run.tags(), study_params(cfg), run_id
    ):
        objective = make_objective(data, cfg, study_run)
        log.info(
            "study %s: worker %d joined study run %s; taking trials",
            cfg.study_name,
            cfg.worker,
            run_id,
        )
        return optimize(
            study,
            objective,
            cfg.n_trials,
            catch=(NonFiniteLossError,),
            lock=study_lock(cfg.storage, cfg.study_name),
            wait_s=0,  # the kedro run waits for the trials still training, not the workers
        )


def wait_for_study_run(study: optuna.Study, wait_s: float, poll_s: float = 1.0) -> str:
    """The id of the study's MLflow run, once the kedro run that owns the study made it.

    A worker calls this before it touches MLflow at all: two processes that create a new
    MLflow SQLite store at once race in its schema migration, and the kedro run creates
    the store before it creates the study run.
    """
    deadline = time.monotonic() + wait_s
    while (run_id := study.user_attrs.get(RUN_ATTR)) is None:
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"study {study.study_name!r} has no MLflow study run after {wait_s:g} s: start "
                "`kedro run --pipelines tuning` with the same tuning.storage.url (it creates "
                "the run), or give the worker more time (--wait)"
            )
        log.info("study %s: waiting for the kedro run to start it", study.study_name)
        time.sleep(poll_s)
    return run_id

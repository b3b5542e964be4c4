"""Open and run a resumable Optuna study.

The study is stored (SQLite for one process; PostgreSQL/MySQL or a journal file for
several workers, never SQLite), so a second session continues it: ``n_trials`` is the
total of finished trials, and a session runs only what is missing. With an RDB storage,
trials send heartbeats; a trial whose process died is failed once its grace period is
over and re-queued by ``RetryHeartbeatStaleTrialCallback`` (Optuna 5's name for
``RetryFailedTrialCallback``). A trial stopped by SIGTERM or Ctrl+C (user attribute
``interrupted``) is re-queued the same way when the study is next opened, with any storage.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.storages.journal import JournalFileBackend, JournalStorage
from optuna.trial import TrialState

from dl_lab import progress
from dl_lab.tuning.config import StorageConfig, TuningConfig
from dl_lab.tuning.samplers import PRUNERS, SAMPLERS

DIRECTION = "maximize"  # the objective is validation accuracy
INTERRUPTED = "interrupted"  # user attribute of a trial stopped by SIGTERM or Ctrl+C


def redact(url: str) -> str:
    """The storage URL without its password, fit for logs and run parameters."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def build_storage(cfg: StorageConfig) -> optuna.storages.BaseStorage:
    """RDB storage with heartbeats, or a journal file (``journal:path``; no heartbeats)."""
    if cfg.url.startswith("journal:"):
        path = Path(cfg.url.removeprefix("journal:").removeprefix("//"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    if cfg.url.startswith("sqlite:///"):
        Path(cfg.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # heartbeats are "experimental" since Optuna 2.8
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if cfg.heartbeat_interval is None:
            return RDBStorage(cfg.url)
        return RDBStorage(
            cfg.url,
            heartbeat_interval=cfg.heartbeat_interval,
            grace_period=cfg.grace_period,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(cfg.max_retry),
        )


def retry_history(trial: optuna.trial.FrozenTrial) -> list[int]:
    """Numbers of the crashed trials that ``trial`` re-runs (empty if it is not a retry)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RetryHeartbeatStaleTrialCallback.retry_history(trial)


def retried_numbers(trials: list[optuna.trial.FrozenTrial]) -> set[int]:
    """Numbers of crashed trials that were re-queued (their retry stands in for them)."""
    return {n for t in trials for n in retry_history(t)}


def finished_count(study: optuna.Study) -> int:
    """Trials that count toward ``n_trials``: complete, pruned, or failed and not retried."""
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    done = (TrialState.COMPLETE, TrialState.PRUNED)
    return sum(
        t.state in done or (t.state == TrialState.FAIL and t.number not in retried) for t in trials
    )


def open_study(cfg: TuningConfig, seed: int) -> optuna.Study:
    """Create the study or load it; the sampler's seed moves on with each finished trial.

    Re-seeding with ``seed + finished`` keeps a resumed session reproducible without
    replaying the first session's random draws; ``worker`` keeps workers that start
    together on one shared study from drawing the same configurations.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=cfg.study_name,
        storage=build_storage(cfg.storage),
        direction=DIRECTION,
        pruner=PRUNERS.build(
            cfg.pruner.name,
            **cfg.pruner.model_dump(exclude={"name"}),
            max_epochs=cfg.trial.max_epochs,
        ),
        load_if_exists=True,
    )
    requeue_interrupted(study, cfg.storage.max_retry)
    study.sampler = SAMPLERS.build(
        cfg.sampler.name,
        n_startup_trials=cfg.sampler.n_startup_trials,
        grid=cfg.search_space.grid() if cfg.sampler.name == "grid" else {},
        seed=seed + 10_000 * cfg.worker + finished_count(study),
    )
    return study


def requeue_interrupted(study: optuna.Study, max_retry: int | None) -> None:
    """Queue each trial stopped by a signal again, with its parameters, as a crashed one is.

    The failed trial then no longer counts toward ``n_trials``; its retry does.
    """
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    with warnings.catch_warnings():  # "experimental" since Optuna 2.8
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        retry = RetryHeartbeatStaleTrialCallback(max_retry)
    for trial in trials:
        if trial.state == TrialState.FAIL and trial.user_attrs.get(INTERRUPTED):
            if trial.number not in retried:
                retry(study, trial)


class StopAtTotal:
    """Stops this worker once the study (all workers together) has ``total`` finished trials."""

    def __init__(self, total: int) -> None:
        self.total = total

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if finished_count(study) >= self.total:
            study.stop()


def optimize(
    study: optuna.Study,
    objective: Callable[[optuna.Trial], float],
    n_trials: int,
    catch: tuple[type[Exception], ...] = (),
) -> int:
    """Run the trials still missing to reach ``n_trials`` in total; return how many ran."""
    before = _started(study)
    remaining = n_trials - finished_count(study)
    if remaining > 0:
        study.optimize(
            objective,
            n_trials=remaining,
            catch=catch,
            callbacks=[StopAtTotal(n_trials)],
            gc_after_trial=False,
            show_progress_bar=progress.interactive(),  # Optuna's bar, on a terminal only
        )
    return len(_started(study) - before)


def _started(study: optuna.Study) -> set[int]:
    """Numbers of the trials that have started (all but those queued and waiting)."""
    return {t.number for t in study.get_trials(deepcopy=False) if t.state != TrialState.WAITING}

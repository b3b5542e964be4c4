"""Open and run a resumable Optuna study.

The study is stored (SQLite for one process; PostgreSQL/MySQL or a journal file for
several workers, never SQLite), so a second session continues it: ``n_trials`` is the
total of finished trials, and a session runs only what is missing. With an RDB storage,
trials send heartbeats; a trial whose process died is failed once its grace period is
over and re-queued by ``RetryHeartbeatStaleTrialCallback`` (Optuna 5's name for
``RetryFailedTrialCallback``). A trial stopped by SIGTERM or Ctrl+C (user attribute
``interrupted``) is re-queued the same way when the study is next opened, with any storage.

Several workers may share one study (a ``kedro run --pipelines tuning`` and ``kedro
tune-worker`` processes, docs/scale.md): each starts one trial at a time under the study's
lock (``tuning.locks``), only while fewer than ``n_trials`` are taken, so the study ends
with exactly ``n_trials``, never one per worker too many.
"""

from __future__ import annotations

import itertools
import logging
import time
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
from dl_lab.tuning.locks import LocalLock, StudyLock, study_lock
from dl_lab.tuning.samplers import PRUNERS, SAMPLERS

log = logging.getLogger(__name__)

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
    return _counted(study.get_trials(deepcopy=False), (TrialState.COMPLETE, TrialState.PRUNED))


def _counted(trials: list[optuna.trial.FrozenTrial], states: tuple[TrialState, ...]) -> int:
    """Trials in ``states``, and the failed ones that were not retried."""
    retried = retried_numbers(trials)
    return sum(
        t.state in states or (t.state == TrialState.FAIL and t.number not in retried)
        for t in trials
    )


def has_room(study: optuna.Study, n_trials: int) -> bool:
    """Whether a worker may start a trial: one is queued (a retry), or fewer than
    ``n_trials`` are taken (finished or running, by any worker)."""
    trials = study.get_trials(deepcopy=False)
    if any(t.state == TrialState.WAITING for t in trials):
        return True
    sampler = study.sampler
    if isinstance(sampler, optuna.samplers.GridSampler) and sampler.is_exhausted(study):
        return False  # every grid point was tried: another trial would repeat one
    taken = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
    return _counted(trials, taken) < n_trials


def running_count(study: optuna.Study) -> int:
    """Trials that some worker is training now."""
    return len(study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)))


def open_study(cfg: TuningConfig, seed: int) -> optuna.Study:
    """Create the study or load it; the sampler's seed moves on with each finished trial.

    Re-seeding with ``seed + finished`` keeps a resumed session reproducible without
    replaying the first session's random draws; ``worker`` keeps workers that start
    together on one shared study from drawing the same configurations.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    lock = study_lock(cfg.storage, cfg.study_name)
    try:
        # Workers that start together take turns: one creates the tables and the study
        # (Optuna's table creation is not safe to race), and a stopped trial is re-queued once.
        with lock:
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
    finally:
        lock.close()
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


def optimize(
    study: optuna.Study,
    objective: Callable[[optuna.Trial], float],
    n_trials: int,
    catch: tuple[type[Exception], ...] = (),
    lock: StudyLock | None = None,
    wait_s: float | None = 0,
    poll_s: float = 1.0,
) -> int:
    """Run trials until the study (all workers together) has ``n_trials``; return how many
    ran in this process.

    Each trial starts under ``lock`` (``locks.study_lock``, closed at the end; without one,
    this process is taken to be the study's only worker): the worker checks that there is
    room and creates the trial, then lets go as the trial begins, so the others start theirs
    while it trains. Once there is no room, it waits up to ``wait_s`` seconds (None: as long
    as it takes; 0: not at all) for the trials other workers are training, so that the study
    is complete when it is summarized. While it waits, trials whose worker died are failed
    (heartbeats, RDB storages) and their retries run here.
    """
    lock = lock or LocalLock()
    ran, waiting_since = 0, None
    remaining = max(n_trials - finished_count(study), 0)
    bar = progress.bar(itertools.count(), total=remaining, desc=study.study_name, unit="trial")
    try:
        while True:
            with lock:
                started = has_room(study, n_trials)
                if started:
                    study.optimize(
                        _released(objective, lock),
                        n_trials=1,
                        catch=catch,
                        gc_after_trial=False,
                        show_progress_bar=False,
                    )
            if started:
                ran, waiting_since = ran + 1, None
                next(bar)
                continue
            running = running_count(study)
            if not running:
                break
            waiting_since = waiting_since or time.monotonic()
            if wait_s is not None and time.monotonic() - waiting_since >= wait_s:
                if wait_s:
                    log.warning(
                        "study %s: %d trials of other workers still running after %s s; "
                        "summarizing without them",
                        study.study_name,
                        running,
                        wait_s,
                    )
                break
            time.sleep(poll_s)
            optuna.storages.fail_stale_trials(study)  # a dead worker's trial: failed, retried
    finally:
        lock.close()
    return ran


def _released(objective: Callable[[optuna.Trial], float], lock: StudyLock):
    """``objective``, letting go of ``lock`` first: the trial exists once it is called."""

    def run(trial: optuna.Trial) -> float:
        lock.release()
        return objective(trial)

    return run

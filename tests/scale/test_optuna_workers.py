"""Two Optuna worker processes on one study, with pruning: exactly the configured number of
trials, none twice; on PostgreSQL (a throw-away cluster on 127.0.0.1) and on a journal file.

The objective is cheap (no training), so that the test is about sharing: each trial reports
three steps, a little apart, so the workers' trials overlap. A trial's value falls with its
number, so once two trials have completed, every later one is below their median and the
median pruner stops it: the last trials are always pruned, whichever worker runs them.
"""

from __future__ import annotations

import multiprocessing
import time

import optuna
import pytest
from optuna.trial import TrialState
from pydantic import ValidationError

from dl_lab.tuning.config import StorageConfig, TuningConfig
from dl_lab.tuning.locks import study_lock
from dl_lab.tuning.space import suggest
from dl_lab.tuning.study import open_study, optimize

N_TRIALS = 8
SPACE = {
    "lr": {"low": 1e-4, "high": 1e-2, "log": True},
    "batch_size": [64, 128],
    "optimizer": ["adam", "sgd_momentum"],
    "filters": [8],
    "dense_units": [32],
    "dropout": {"low": 0.0, "high": 0.5},
    "l2": {"low": 1e-6, "high": 1e-3, "log": True},
    "activation": ["relu"],
}


def _config(url: str, worker: int) -> TuningConfig:
    return TuningConfig(
        study_name="shared",
        n_trials=N_TRIALS,
        worker=worker,
        sampler={"name": "random"},
        pruner={"name": "median", "n_startup_trials": 2, "n_warmup_steps": 0},
        storage={"url": url, "heartbeat_interval": 5, "grace_period": 30},
        search_space=SPACE,
    )


def _objective(cfg: TuningConfig):
    def objective(trial: optuna.Trial) -> float:
        suggest(trial, cfg.search_space)
        trial.set_user_attr("worker", cfg.worker)
        for step in range(3):
            time.sleep(0.2)
            trial.report(-trial.number - 0.01 * step, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return -float(trial.number)

    return objective


def _work(url: str, worker: int, start, results) -> None:
    """One worker process: open the study, wait for the other, run trials to the total."""
    cfg = _config(url, worker)
    study = open_study(cfg, seed=42)
    start.wait(timeout=60)
    ran = optimize(study, _objective(cfg), cfg.n_trials, lock=study_lock(cfg.storage, "shared"))
    results.put((worker, ran))


def _two_workers(url: str) -> dict[int, int]:
    """Run workers 0 and 1 at once on the study at ``url``; how many trials each ran."""
    context = multiprocessing.get_context("fork")  # the cheap objective needs no torch
    start, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_work, args=(url, i, start, results)) for i in (0, 1)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [p.exitcode for p in workers] == [0, 0]
    return dict(results.get(timeout=5) for _ in workers)


def _check_study(url: str, ran: dict[int, int]) -> None:
    trials = optuna.load_study(study_name="shared", storage=url).get_trials()
    assert len(trials) == N_TRIALS and sum(ran.values()) == N_TRIALS  # not one per worker more
    assert sorted(t.number for t in trials) == list(range(N_TRIALS))
    assert all(ran.values()), ran  # both workers took part
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    pruned = {t.number for t in trials if t.state == TrialState.PRUNED}
    assert {N_TRIALS - 2, N_TRIALS - 1} <= pruned  # below the median of two completed trials
    configurations = {tuple(sorted(t.params.items())) for t in trials}
    assert len(configurations) == N_TRIALS  # no configuration ran twice
    by_worker = {w: sum(t.user_attrs["worker"] == w for t in trials) for w in ran}
    assert by_worker == ran


def test_two_workers_share_a_journal_file(tmp_path):
    url = f"journal:{tmp_path}/study.log"
    _check_study(_as_optuna_url(url), _two_workers(url))


def test_two_workers_share_a_postgresql_study(postgres, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "test-only-password")  # never in the URL
    postgres.reset()
    _check_study(postgres.url, _two_workers(postgres.url))


def _as_optuna_url(url: str) -> optuna.storages.BaseStorage:
    from dl_lab.tuning.study import build_storage

    return build_storage(StorageConfig(url=url))


def test_a_storage_url_with_a_password_is_refused():
    with pytest.raises(ValidationError, match="carries a password.*PGPASSWORD"):
        StorageConfig(url="postgresql://optuna:s3cret@127.0.0.1:5432/optuna")


def _take(url: str, held, acquired) -> None:
    """A second worker: take the study's lock (waiting for the first), note when."""
    lock = study_lock(StorageConfig(url=url), "shared")
    held.wait(timeout=30)
    with lock:
        acquired.put(time.monotonic())
    lock.close()


@pytest.mark.parametrize("storage", ["journal", "postgresql"])
def test_the_study_lock_keeps_a_second_worker_out(storage, tmp_path, request, monkeypatch):
    if storage == "postgresql":
        monkeypatch.setenv("PGPASSWORD", "test-only-password")
        url = request.getfixturevalue("postgres").url
    else:
        url = f"journal:{tmp_path}/study.log"
    context = multiprocessing.get_context("fork")
    held, acquired = context.Event(), context.Queue()
    other = context.Process(target=_take, args=(url, held, acquired))
    other.start()
    lock = study_lock(StorageConfig(url=url), "shared")
    with lock:
        held.set()
        time.sleep(1.0)  # the other worker asks for the lock meanwhile
        released = time.monotonic()
    lock.close()
    other.join(30)
    assert other.exitcode == 0
    assert acquired.get(timeout=5) >= released  # it had to wait for this one

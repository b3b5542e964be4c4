"""The stored study: resumable totals, crashed-trial retries, samplers and storages."""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import time

import optuna
import pytest
from optuna.trial import TrialState
from pydantic import ValidationError

from dl_lab.errors import Terminated
from dl_lab.tuning.config import TuningConfig
from dl_lab.tuning.samplers import SAMPLERS
from dl_lab.tuning.space import suggest
from dl_lab.tuning.study import (
    INTERRUPTED,
    build_storage,
    finished_count,
    open_study,
    optimize,
    redact,
    retry_history,
)

SPACE = {
    "lr": {"low": 1e-4, "high": 1e-2, "log": True, "grid": [1e-3, 1e-2]},
    "batch_size": [64, 128],
    "optimizer": ["adam", "sgd_momentum"],
    "filters": [8],
    "dense_units": [32],
    "dropout": {"low": 0.0, "high": 0.5, "grid": [0.2]},
    "l2": {"low": 1e-6, "high": 1e-3, "log": True, "grid": [1e-5]},
    "activation": ["relu"],
}


def config(tmp_path, n_trials=3, url=None, **overrides) -> TuningConfig:
    storage = {"url": url or f"sqlite:///{tmp_path}/optuna.db", **overrides.pop("storage", {})}
    return TuningConfig(
        study_name="unit", n_trials=n_trials, search_space=SPACE, storage=storage, **overrides
    )


def cheap_objective(cfg: TuningConfig):
    """No training: the value is a smooth function of the sampled learning rate."""

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, cfg.search_space)
        return 1.0 - abs(params["lr"] - 3e-3)

    return objective


def test_n_trials_is_a_total_across_sessions(tmp_path):
    cfg = config(tmp_path, n_trials=3)
    assert optimize(open_study(cfg, 42), cheap_objective(cfg), 3) == 3
    study = open_study(config(tmp_path, n_trials=5), 42)  # a new session, same storage
    assert optimize(study, cheap_objective(cfg), 5) == 2
    assert optimize(open_study(cfg, 42), cheap_objective(cfg), 5) == 0
    assert finished_count(study) == 5 and len(study.trials) == 5


def test_resumed_session_draws_new_configurations(tmp_path):
    cfg = config(tmp_path, sampler={"name": "random"})
    optimize(open_study(cfg, 42), cheap_objective(cfg), 2)
    study = open_study(cfg, 42)
    optimize(study, cheap_objective(cfg), 4)
    lrs = [t.params["lr"] for t in study.trials]
    assert len(set(lrs)) == 4  # re-seeding by the finished count: no replay of trials 0-1


def test_workers_on_one_study_draw_different_configurations(tmp_path):
    first = config(tmp_path, n_trials=6, sampler={"name": "random"})
    second = first.model_copy(update={"worker": 1})
    study_a, study_b = open_study(first, 42), open_study(second, 42)  # both start at 0 trials
    optimize(study_a, cheap_objective(first), 3)
    optimize(study_b, cheap_objective(second), 6)
    lrs = [t.params["lr"] for t in study_b.trials]
    assert len(lrs) == 6 and not set(lrs[:3]) & set(lrs[3:])  # worker 1 replays nothing


def test_same_seed_same_trials(tmp_path):
    params = []
    for name in ("a", "b"):
        cfg = config(tmp_path / name)
        study = open_study(cfg, 42)
        optimize(study, cheap_objective(cfg), 3)
        params.append([t.params for t in study.trials])
    assert params[0] == params[1]


def _crash_during_trial(cfg: TuningConfig) -> None:
    """A worker that dies (no clean-up at all) in the middle of its first trial."""
    study = open_study(cfg, 42)

    def objective(trial: optuna.Trial) -> float:
        suggest(trial, cfg.search_space)
        # Optuna's heartbeat thread writes its first beat concurrently with the objective; a
        # trial that dies before that first beat is never seen as stale. Beat once here so the
        # crash always comes after it, as it does for any trial that trains for a while.
        trial.study._storage.record_heartbeat(trial._trial_id)
        os._exit(1)

    study.optimize(objective, n_trials=1)


def test_crashed_trial_is_failed_then_retried_with_its_params(tmp_path):
    cfg = config(tmp_path, storage={"heartbeat_interval": 1, "grace_period": 1, "max_retry": 1})
    worker = multiprocessing.get_context("fork").Process(target=_crash_during_trial, args=(cfg,))
    worker.start()
    worker.join(60)
    assert worker.exitcode == 1
    study = open_study(cfg, 42)
    assert [t.state for t in study.trials] == [TrialState.RUNNING]  # left behind by the crash
    time.sleep(2.5)  # past the grace period: the trial's heartbeat is stale
    assert optimize(study, cheap_objective(cfg), 3) == 3
    trials = study.trials
    assert trials[0].state == TrialState.FAIL
    retries = [t for t in trials if retry_history(t) == [0]]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
    assert retries[0].params == trials[0].params
    assert finished_count(study) == 3  # the crashed trial does not count; its retry does


@pytest.mark.parametrize("url", [None, "journal"])
def test_a_trial_stopped_by_sigterm_is_run_again_next_session(tmp_path, url):
    cfg = config(tmp_path, url=url and f"journal:{tmp_path}/study.log")
    study = open_study(cfg, 42)
    optimize(study, cheap_objective(cfg), 3)

    def stopped(trial: optuna.Trial) -> float:
        suggest(trial, cfg.search_space)
        trial.set_user_attr(INTERRUPTED, True)  # as the objective does on Terminated
        raise Terminated("stopped by SIGTERM")

    cfg5 = config(tmp_path, n_trials=5, url=cfg.storage.url)
    with pytest.raises(Terminated):
        optimize(open_study(cfg5, 42), stopped, 5)
    assert finished_count(open_study(cfg5, 42)) == 3  # the stopped trial does not count
    study = open_study(cfg5, 42)
    assert optimize(study, cheap_objective(cfg5), 5) == 2
    trials = study.trials
    stopped_trial = trials[3]
    assert stopped_trial.state == TrialState.FAIL
    (retry,) = [t for t in trials if retry_history(t) == [3]]
    assert retry.params == stopped_trial.params and retry.state == TrialState.COMPLETE
    assert finished_count(study) == 5 and len(trials) == 6


def test_journal_storage_resumes_too(tmp_path):
    cfg = config(tmp_path, url=f"journal:{tmp_path}/study.log")
    assert isinstance(build_storage(cfg.storage), optuna.storages.JournalStorage)
    optimize(open_study(cfg, 42), cheap_objective(cfg), 2)
    assert optimize(open_study(cfg, 42), cheap_objective(cfg), 3) == 1


def test_grid_sampler_stops_when_the_grid_is_exhausted(tmp_path):
    cfg = config(tmp_path, n_trials=50, sampler={"name": "grid"})
    study = open_study(cfg, 42)
    optimize(study, cheap_objective(cfg), 50)
    assert len(study.trials) == 2 * 2 * 2  # lr x batch_size x optimizer
    assert len({tuple(sorted(t.params.items())) for t in study.trials}) == 8


@pytest.mark.parametrize("name", ["tpe", "random", "grid"])
def test_samplers_by_name(name):
    sampler = SAMPLERS.build(name, n_startup_trials=2, grid={"x": [1, 2]}, seed=0)
    assert isinstance(sampler, optuna.samplers.BaseSampler)


def test_cmaes_needs_its_package(tmp_path):
    if importlib.util.find_spec("cmaes") is None:
        with pytest.raises(ValidationError, match="needs the `cmaes` package"):
            config(tmp_path, sampler={"name": "cmaes"})
    else:
        cfg = config(tmp_path, sampler={"name": "cmaes"})
        assert isinstance(open_study(cfg, 0).sampler, optuna.samplers.CmaEsSampler)


def test_storage_url_scheme_and_redaction():
    with pytest.raises(ValidationError, match="must start with one of"):
        TuningConfig(study_name="s", n_trials=1, search_space=SPACE, storage={"url": "redis://x"})
    assert (
        redact("postgresql://optuna:s3cret@db:5432/optuna")
        == "postgresql://optuna:***@db:5432/optuna"
    )
    assert redact("sqlite:///data/06_models/optuna.db") == "sqlite:///data/06_models/optuna.db"

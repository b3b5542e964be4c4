"""The declared search space: validation, sampling and the variant it maps to."""

from __future__ import annotations

import optuna
import pytest
from pydantic import ValidationError

from dl_lab.tuning.config import PrunerConfig, TuningConfig
from dl_lab.tuning.samplers import PRUNERS
from dl_lab.tuning.space import SearchSpace, suggest, to_variant

SPACE = {
    "lr": {"low": 1e-4, "high": 1e-2, "log": True},
    "batch_size": [64, 128],
    "optimizer": ["adam", "sgd_momentum", "rmsprop"],
    "filters": [8, 16],
    "dense_units": [32],
    "dropout": {"low": 0.0, "high": 0.5},
    "l2": {"low": 1e-6, "high": 1e-3, "log": True},
    "activation": ["relu", "leaky_relu", "elu"],
}


def config(**overrides) -> TuningConfig:
    return TuningConfig(study_name="s", n_trials=3, search_space={**SPACE, **overrides})


def test_shipped_parameters_validate():
    from dl_lab.findings.tuning import TuningParams
    from dl_lab.pipelines._kit import base_parameters

    cfg = TuningParams(**base_parameters("tuning")).study()  # the block less its findings
    assert cfg.sampler.name == "tpe" and cfg.pruner.name == "median"
    assert cfg.storage.url == "sqlite:///data/06_models/optuna.db"
    assert set(cfg.search_space.optimizer) == {"adam", "sgd_momentum", "rmsprop"}
    trial = cfg.trial.trainer_config(cfg.trainer, batch_size=64)  # what the trials train with
    assert (trial.devices, trial.precision, trial.deterministic) == (1, "32-true", True)
    assert trial.updates_per_step == 8 and trial.num_threads is None


def test_unknown_optimizer_names_key_value_and_allowed():
    with pytest.raises(ValidationError, match="unknown optimizer 'adagrad'; available: adam"):
        config(optimizer=["adam", "adagrad"])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"lr": {"low": 0.0, "high": 0.1, "log": True}}, "log range needs low > 0"),
        ({"lr": {"low": 0.1, "high": 0.01}}, "low must be < high"),
        ({"dropout": {"low": 0.2, "high": 1.0}}, "dropout must lie in"),
        ({"batch_size": [0, 64]}, "choices must be >= 1"),
        ({"activation": ["swish"]}, "unknown activation 'swish'"),
    ],
)
def test_bad_ranges_fail_with_the_reason(override, message):
    with pytest.raises(ValidationError, match=message):
        config(**override)


def test_unknown_sampler_and_pruner_list_allowed_names():
    with pytest.raises(ValidationError, match="available: cmaes, grid, random, tpe"):
        TuningConfig(study_name="s", n_trials=1, search_space=SPACE, sampler={"name": "bayes"})
    with pytest.raises(
        ValidationError, match="available: hyperband, median, none, successive_halving"
    ):
        TuningConfig(study_name="s", n_trials=1, search_space=SPACE, pruner={"name": "asha"})


def test_grid_sampler_needs_grid_values_for_ranges():
    with pytest.raises(
        ValidationError, match="needs `grid:` values for the ranges lr, dropout, l2"
    ):
        TuningConfig(study_name="s", n_trials=1, search_space=SPACE, sampler={"name": "grid"})


def test_suggest_stays_inside_the_space_and_maps_to_a_variant():
    space = SearchSpace(**SPACE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(20):
        trial = study.ask()
        params = suggest(trial, space)
        assert 1e-4 <= params["lr"] <= 1e-2 and 0.0 <= params["dropout"] <= 0.5
        assert params["optimizer"] in SPACE["optimizer"]
        variant, batch_size = to_variant(params, seed=7)
        assert batch_size in (64, 128)
        assert variant.architecture == "tunable_cnn"
        assert (
            variant.optimizer.name == params["optimizer"] and variant.optimizer.lr == params["lr"]
        )
        assert variant.penalty.name == "l2" and variant.penalty.strength == params["l2"]
        assert variant.model["filters"] == params["filters"] and variant.seeds == [7]
        study.tell(trial, 0.5)


def test_grid_space_uses_grid_values():
    grid_space = {
        **SPACE,
        "lr": {**SPACE["lr"], "grid": [1e-3]},
        "dropout": {**SPACE["dropout"], "grid": [0.1, 0.3]},
        "l2": {**SPACE["l2"], "grid": [1e-5]},
    }
    grid = SearchSpace(**grid_space).grid()
    assert grid["lr"] == [1e-3] and grid["dropout"] == [0.1, 0.3] and grid["filters"] == [8, 16]


def test_grid_values_outside_the_range_are_refused():
    with pytest.raises(ValidationError, match="outside"):
        config(lr={"low": 1e-4, "high": 1e-2, "grid": [0.5]})


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_every_pruner_builds_from_the_shipped_options(name):
    options = PrunerConfig(name=name).model_dump(exclude={"name"})
    pruner = PRUNERS.build(name, **options, max_epochs=8)
    assert isinstance(pruner, optuna.pruners.BasePruner)


def test_successive_halving_stops_a_trial_outside_the_top_third_after_one_epoch():
    options = PrunerConfig(name="successive_halving").model_dump(exclude={"name"})
    study = optuna.create_study(
        direction="maximize", pruner=PRUNERS.build("successive_halving", **options, max_epochs=8)
    )
    decisions = []
    for value in (0.9, 0.8, 0.7, 0.95, 0.6):
        trial = study.ask()
        trial.report(value, step=1)
        decisions.append(trial.should_prune())
        study.tell(trial, value)
    assert decisions == [False, True, True, False, True]

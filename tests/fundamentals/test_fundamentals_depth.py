"""Sawtooth representation: deep exact in 6k+1 parameters, shallow in 3*2^k+1 (2.20)."""

import pickle

import numpy as np
import pytest

from dl_lab.fundamentals.depth import (
    budget_sweep,
    exact_constructions,
    exact_deep_sawtooth,
    exact_shallow_sawtooth,
    sawtooth,
    train_on_budget,
    width_for_budget,
)
from dl_lab.fundamentals.mlp import count_params


def _pieces(k):
    x = np.linspace(0, 1, 2**k * 64 + 1)
    slopes = np.round(np.diff(sawtooth(x, k)) / np.diff(x), 6)
    return 1 + int(np.sum(slopes[1:] != slopes[:-1]))


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_sawtooth_has_two_to_the_k_pieces(k):
    assert _pieces(k) == 2**k


@pytest.mark.parametrize("k", [1, 3, 6])
def test_exact_constructions(k):
    x = np.linspace(0, 1, 2001)[:, None]
    deep, shallow = exact_deep_sawtooth(k), exact_shallow_sawtooth(k)
    assert np.abs(deep.forward(x) - sawtooth(x, k)).max() < 1e-12
    assert np.abs(shallow.forward(x) - sawtooth(x, k)).max() < 1e-9
    assert deep.n_params == 6 * k + 1
    assert shallow.n_params == 3 * 2**k + 1


def test_exact_construction_table_shows_the_exponential_gap():
    rows = exact_constructions(8, resolution=513)
    assert [r["deep_params"] for r in rows] == [6 * k + 1 for k in range(1, 9)]
    assert rows[-1]["shallow_params"] == 769
    assert max(max(r["deep_max_error"], r["shallow_max_error"]) for r in rows) < 1e-9


def test_width_for_budget_matches_parameter_counts():
    assert width_for_budget(1, 73) == 24  # 3 * 24 + 1
    width = width_for_budget(3, 73)
    assert abs(count_params([1, width, width, width, 1]) - 73) <= abs(
        count_params([1, width + 1, width + 1, width + 1, 1]) - 73
    )
    with pytest.raises(ValueError, match="depth >= 1"):
        width_for_budget(0, 50)


def test_training_on_a_budget_is_reproducible():
    runs = [
        train_on_budget(2, 37, 2, np.random.default_rng(9), epochs=50, n_train=32) for _ in range(2)
    ]
    assert runs[0].test_mse == runs[1].test_mse and np.isfinite(runs[0].test_mse)
    assert runs[0].sizes[1] == runs[0].sizes[2] and runs[0].n_params == count_params(runs[0].sizes)


def test_a_trained_net_pickles_whole_so_a_worker_can_send_it_back():
    run = train_on_budget(2, 19, 2, np.random.default_rng(3), epochs=20, n_train=16)
    copy = pickle.loads(pickle.dumps(run))
    x = np.linspace(0, 1, 9)[:, None]
    np.testing.assert_array_equal(copy.predict(x), run.predict(x))
    assert copy.model.layers[1].fn.name == run.model.layers[1].fn.name == "leaky_relu"


def test_the_sweep_gives_the_same_runs_on_the_pool_as_inline(monkeypatch):
    def sweep():
        runs = budget_sweep([1, 2], [19, 37], 2, 2, seed=5, epochs=30, n_train=16)
        return [(r.depth, r.budget, r.seed_index, r.train_mse, r.test_mse) for r in runs]

    monkeypatch.setenv("DL_LAB_WORKERS", "1")
    inline = sweep()
    monkeypatch.setenv("DL_LAB_WORKERS", "2")
    assert sweep() == inline
    assert [run[:3] for run in inline] == [
        (d, b, i) for d in (1, 2) for b in (19, 37) for i in (0, 1)
    ]  # depth, then budget, then seed, as the summary reads them

"""Fundamentals nodes on tiny parameters: the tables, figures and metrics they hand the catalog."""

import numpy as np
from matplotlib.figure import Figure

from dl_lab.fundamentals import config as p
from dl_lab.pipelines.fundamentals import nodes


def _metric_values(metrics: dict) -> dict:
    assert all(set(m) == {"value", "step"} for m in metrics.values())
    return {k: m["value"] for k, m in metrics.items()}


def test_worked_examples_node_counts_agreement():
    table, metrics = nodes.check_worked_examples()
    values = _metric_values(metrics)
    assert values["worked_examples_total"] == len(table)
    assert values["worked_examples_agreeing"] == table["agrees"].sum() == len(table) - 4


def test_xor_node_reports_success_rate_per_hidden_size():
    params = p.XorParams(hidden_sizes=[2, 4], n_seeds=2, epochs=50)
    runs, summary, *figures, metrics = nodes.train_xor_nets(params, seed=3)
    assert len(runs) == 4 and list(summary["hidden"]) == [2, 4]
    assert all(isinstance(f, Figure) for f in figures)
    values = _metric_values(metrics)
    assert set(values) == {"xor_success_rate_2_2_1", "xor_success_rate_2_4_1"}
    assert values["xor_success_rate_2_4_1"] == summary.set_index("hidden").loc[4, "success_rate"]


def test_optimizer_race_reports_steps_per_surface_and_optimizer():
    spec = {
        "surface": "elongated_quadratic",
        "surface_kwargs": {"a": 1.0, "b": 50.0},
        "start": [-4.0, 1.0],
        "tol": 1e-6,
        "max_steps": 2000,
        "optimizers": [
            {"name": "gd", "lr": 0.025},
            {"name": "nesterov", "lr": 0.025, "momentum": 0.9},
        ],
    }
    table, figure, metrics = nodes.race_optimizers(p.MomentumParams(runs=[spec]))
    values = _metric_values(metrics)
    assert values["elongated_quadratic.nesterov_steps"] < values["elongated_quadratic.gd_steps"]
    assert table["steps_to_tol"].notna().all() and isinstance(figure, Figure)


def test_weight_penalty_node_is_reproducible_and_l1_prox_zeroes_weights():
    params = p.WeightPenaltyParams(
        n_train=40,
        n_val=50,
        hidden=6,
        epochs=100,
        variants=[{"name": "none"}, {"name": "l1", "lam": 0.02}],
    )
    first, _, _ = nodes.compare_weight_penalties(params, seed=1)
    second, _, _ = nodes.compare_weight_penalties(params, seed=1)
    assert first.equals(second)
    zeros = first.set_index("variant")["frac_exact_zero"]
    assert zeros["none"] == 0 and zeros["l1 0.02 (proximal)"] > 0


def test_hebbian_node_covers_every_pattern_kind_and_rule():
    params = p.HebbianParams(n_inputs=16, n_outputs=4, pattern_counts=[4, 8], epochs=5)
    table, _, metrics = nodes.compare_hebbian(params, seed=0)
    assert set(table["patterns"]) == {"orthogonal", "random", "correlated"}
    assert set(table["rule"]) == {"hebbian", "delta_rule"}
    assert np.isfinite(list(_metric_values(metrics).values())).all()

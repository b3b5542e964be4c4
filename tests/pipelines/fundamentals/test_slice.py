"""fundamentals on an in-memory catalog: the real nodes, conf/test parameters, no disk, no MLflow."""

from __future__ import annotations

import math

import pytest
from matplotlib.figure import Figure

from dl_lab.course.rules import INCONCLUSIVE, REPRODUCED, VERDICTS
from dl_lab.pipelines.fundamentals import create_pipeline

# every metric MLflow receives under conf/test (with the prefix ``fundamentals.``)
METRICS = {
    "fundamentals_worked_examples_metrics": {"worked_examples_agreeing", "worked_examples_total"},
    "fundamentals_threshold_search_metrics": {"xor_units_found", "realizable_boolean_functions"},
    "fundamentals_perceptron_metrics": {
        "perceptron_xor_converged",
        "perceptron_xor_accuracy",
        "perceptron_separable_updates",
    },
    "fundamentals_gradient_check_metrics": {"gradcheck_max_relative_error", "gradcheck_cases"},
    "fundamentals_linear_collapse_metrics": {"linear_collapse_gap", "linear_net_xor_bce"},
    "fundamentals_xor_metrics": {"xor_success_rate_2_2_1", "xor_success_rate_2_4_1"},
    "fundamentals_learning_rates_metrics": {
        f"lr_{lr}_final_loss" for lr in ("0.001", "0.1", "0.5", "0.9", "1", "1.1")
    },
    "fundamentals_momentum_metrics": {
        "elongated_quadratic.gd_steps",
        "elongated_quadratic.nesterov_steps",
        "rosenbrock.gd_steps",
        "rosenbrock.momentum_steps",
    },
    "fundamentals_softmax_metrics": {"softmax_ce_grad_relative_error", "softmax_naive_finite"},
    "fundamentals_weight_penalties_metrics": {
        f"{variant}.val_acc"
        for variant in (
            "none",
            "l2_0.001",
            "l2_0.01",
            "l1_0.001__proximal_",
            "l1_0.01__proximal_",
            "l1_0.01__subgradient_",
            "elastic_net_0.005__proximal_",
        )
    },
    "fundamentals_activity_sparsity_metrics": {
        f"{variant}.{name}"
        for variant in ("none", "l1_activity_0.02", "kl_0.3")
        for name in ("frac_active", "bars_matched_by_a_unit")
    },
    "fundamentals_depth_metrics": {
        f"{kind}.budget_19.median_test_mse" for kind in ("shallow", "depth_2", "depth_3")
    },
    "fundamentals_hebbian_metrics": {"hebbian.max_bit_error_rate", "delta_rule.max_bit_error_rate"},
}
COURSE_MISTAKES = {  # rows of the worked examples where the course prints a wrong value
    ("2.8", "lr=1.0 regime"),
    ("2.8", "lr=0.9 regime"),
    ("2.10", "y_hat(0,1) > 0.5, W1 rows = hidden units"),
    ("2.10", "solves XOR, W1 rows = hidden units"),
}


def _slice(*names: str):
    return create_pipeline().only_nodes(*(f"fundamentals.{name}" for name in names))


def _experiments():
    """Every node but the findings, which would consume the tables the test looks at."""
    return create_pipeline() - _slice("report_findings")


def _values(metrics: dict) -> dict[str, float]:
    """The numbers of a ``{name: {"value", "step"}}`` metrics output (all logged at step 0)."""
    assert all(set(m) == {"value", "step"} and m["step"] == 0 for m in metrics.values())
    return {name: m["value"] for name, m in metrics.items()}


def test_the_whole_pipeline_writes_every_output_and_the_same_metric_names(run_slice):
    pipeline = _experiments()
    out = run_slice(pipeline, {})
    assert set(out) == pipeline.all_outputs()
    assert create_pipeline().all_outputs() - set(out) == {"fundamentals_findings"}
    assert all(isinstance(out[name], Figure) for name in out if name.endswith("_plot"))
    metrics = {name: _values(out[name]) for name in out if name.endswith("_metrics")}
    assert {name: set(values) for name, values in metrics.items()} == METRICS
    assert all(math.isfinite(v) for values in metrics.values() for v in values.values())


def test_backprop_agrees_with_central_differences(run_slice):
    out = run_slice(_slice("check_gradients", "explore_softmax"), {})
    table = out["fundamentals_gradient_check_table"]
    gradients = _values(out["fundamentals_gradient_check_metrics"])
    assert table["relative_error"].max() < 1e-6
    assert gradients["gradcheck_max_relative_error"] == table["relative_error"].max()
    assert gradients["gradcheck_cases"] == table["case"].nunique() >= 10
    assert {"activation relu", "loss cross_entropy", "weight penalty l1"} <= set(table["case"])
    softmax = _values(out["fundamentals_softmax_metrics"])
    assert softmax["softmax_ce_grad_relative_error"] < 1e-6
    stability = out["fundamentals_softmax_stability_table"].set_index("method")["finite"]
    assert not stability["naive exp(z)/sum exp(z)"] and stability["stable (subtract max)"]
    assert softmax["softmax_naive_finite"] == 0


def test_the_perceptron_learns_every_separable_gate_and_never_xor(run_slice):
    out = run_slice(
        _slice("run_perceptron", "search_threshold_units", "build_truth_tables"),
        {},
        params={"fundamentals": {"perceptron": {"max_epochs": 15}}},
    )
    runs = out["fundamentals_perceptron_table"].set_index("data")
    for gate in ("AND", "OR", "NAND", "NOR", "separable"):
        assert runs.loc[gate, "converged"] and runs.loc[gate, "accuracy"] == 1.0, gate
    assert runs.loc["separable", "updates"] <= runs.loc["separable", "novikoff_bound"]
    assert not runs.loc["XOR", "converged"] and runs.loc["XOR", "epochs"] == 15
    perceptron = _values(out["fundamentals_perceptron_metrics"])
    assert perceptron["perceptron_xor_converged"] == 0 and perceptron["perceptron_xor_accuracy"] < 1
    units = out["fundamentals_threshold_search_table"].set_index("function")["units_found"]
    assert units["XOR"] == units["XNOR"] == 0 and (units.drop(["XOR", "XNOR"]) > 0).all()
    assert (
        _values(out["fundamentals_threshold_search_metrics"])["realizable_boolean_functions"] == 14
    )
    truth = out["fundamentals_truth_tables_table"]
    assert (truth["output"] == truth["expected"]).all()


def test_the_worked_examples_agree_where_the_course_is_right(run_slice):
    out = run_slice(_slice("check_worked_examples"), {})
    table = out["fundamentals_worked_examples_table"]
    wrong = table.loc[~table["agrees"]]
    disagreeing = set(zip(wrong["question"], wrong["quantity"], strict=True))
    assert disagreeing == COURSE_MISTAKES
    counts = _values(out["fundamentals_worked_examples_metrics"])
    assert counts == {
        "worked_examples_agreeing": len(table) - 4,
        "worked_examples_total": len(table),
    }


def test_learning_rate_regimes_and_the_linear_collapse(run_slice):
    out = run_slice(
        _slice("sweep_learning_rates", "tabulate_gd_steps", "demonstrate_linear_collapse"), {}
    )
    regimes = out["fundamentals_learning_rates_table"].set_index("lr")["regime"]
    assert (regimes[0.5], regimes[1.0], regimes[1.1]) == ("one_step", "oscillates", "diverges")
    losses = _values(out["fundamentals_learning_rates_metrics"])
    assert losses["lr_1_final_loss"] == 9.0 and losses["lr_0.5_final_loss"] == 0.0
    linear = out["fundamentals_gd_linear_steps_table"]
    assert linear["w_new"].iloc[0] == pytest.approx(1.85)  # the course's 2.6 step
    collapse = _values(out["fundamentals_linear_collapse_metrics"])
    assert collapse["linear_collapse_gap"] < 1e-12  # a deep identity net is one affine map
    assert collapse["linear_net_xor_bce"] == pytest.approx(math.log(2), abs=1e-3)


# claims whose verdict the mathematics fixes, whatever the sizes: the worked numbers, the
# gates, and the course's mistakes (the verdict is about the corrected claim); not
# 2.2-linear-collapse: its XOR half is one linear net trained from a random init, so one
# seed leaves it inconclusive
DETERMINED = {
    "2.1-z",
    "2.1-output",
    "2.2-values-at-2",
    "2.3-chain",
    "2.4-gates",
    "2.4-no-xor",
    "2.6-forward",
    "2.6-gradients",
    "2.6-update",
    "2.8-eta-1",
    "2.8-threshold",
    "2.10-hand-weights",
    "2.10-single-layer",
    "2.12-update",
    "2.13-gradient",
    "2.14-example",
    "2.17-mse-gradient",
    "2.20-example",
}


def test_the_findings_answer_unit_2_from_the_tables(run_slice):
    out = run_slice(create_pipeline(), {})
    findings = out["fundamentals_findings"]
    verdicts = dict(zip(findings["claim_id"], findings["verdict"], strict=True))
    assert set(verdicts.values()) <= set(VERDICTS)
    assert (findings["question"].str.startswith("2.")).all() and len(findings) >= 35
    assert {claim: verdicts[claim] for claim in DETERMINED} == dict.fromkeys(DETERMINED, REPRODUCED)
    assert verdicts["2.2-linear-collapse"] == INCONCLUSIVE
    print(findings[["claim_id", "verdict", "measured"]].to_string())  # the verdicts, for -s


def test_an_unknown_registry_name_fails_before_any_node_runs(run_slice):
    with pytest.raises(Exception, match="unknown activation 'relux'; available"):
        run_slice(
            _slice("train_xor_nets"), {}, params={"fundamentals": {"xor": {"activation": "relux"}}}
        )

"""The diagnostics findings node on small fabricated tables: every row valid and about a
claim of the course, exact checks on both sides of their rules, three seeds of a trained or
sampled experiment deciding on both sides of their rules, one seed inconclusive either way,
unmeasured claims left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dl_lab.course.findings import COLUMNS, split_list
from dl_lab.course.questions import load_course
from dl_lab.course.rules import VERDICTS
from dl_lab.diagnostics.config import ConvParams, FitParams
from dl_lab.diagnostics.conv import receptive_fields
from dl_lab.diagnostics.conv_check import SizeGrid, check_output_sizes, stride_padding_costs
from dl_lab.diagnostics.losses import saturation_gradients
from dl_lab.findings.diagnostics import TABLES, FindingsParams
from dl_lab.pipelines.diagnostics.nodes import report_findings
from dl_lab.pipelines.diagnostics.pipeline import create_pipeline


@pytest.fixture
def blocks(parameters):
    """The validated parameter blocks the node reads (conf/base: the default tolerances)."""
    diagnostics = parameters("base")["diagnostics"]
    return (
        FindingsParams.model_validate(diagnostics["findings"]),
        ConvParams.model_validate(diagnostics["conv"]),
        FitParams.model_validate(diagnostics["fit"]),
    )


def _frame(columns: str, *rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=columns.split())


RANDOM = ("fit_synthetic", "fit_tracked", "capacity", "bias_variance", "classical", "lr_sweep",
          "batch_sizes", "batch_trace", "activations", "loss_classifier", "loss_regression",
          "gradient_flow", "pooling", "shift_accuracy", "relu_sparsity", "normalization")  # fmt: skip
"""The tables of trained or sampled experiments: one block of rows per seed."""


KEYS = {"lr", "outlier_fraction", "complexity", "train_size", "batch_size", "shift_px", "block"}
"""Columns that name a sweep point, not a measurement: the same on every seed."""


def seeded(frame: pd.DataFrame, seeds: int, spread: float = 0.002) -> pd.DataFrame:
    """``frame`` on ``seeds`` seeds: every float measurement scaled by ``1 + k * spread`` on
    the k-th seed from the middle one (the mean stays, the seeds differ a little)."""
    middle = (seeds - 1) / 2
    parts = []
    for i in range(seeds):
        part = frame.copy()
        for column in set(part.select_dtypes("float").columns) - KEYS:
            part[column] = part[column] * (1 + (i - middle) * spread)
        if "run_id" in part:
            part["run_id"] = part["run_id"] + f"-s{40 + i}"
        part.insert(0, "seed", 40 + i)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def fabricated(conv: ConvParams, seeds: int = 3) -> dict[str, pd.DataFrame]:
    """One small table per input, shaped like the experiments' (conv arithmetic and the
    saturation gradients computed for real: they are cheap); the trained and sampled ones
    on ``seeds`` seeds."""
    key = conv.model_dump_json()
    if key not in _BUILT:
        _BUILT[key] = _tables(conv)
    return {name: seeded(t, seeds) if name in RANDOM else t.copy()
            for name, t in _BUILT[key].items()}  # fmt: skip


_BUILT: dict[str, dict[str, pd.DataFrame]] = {}  # conv arithmetic is the slow part: once


def _tables(conv: ConvParams) -> dict[str, pd.DataFrame]:
    fields = [receptive_fields(layers, conv.input_size).assign(stack=name)
              for name, layers in conv.stacks.items()]  # fmt: skip
    return {
        "fit_synthetic": _frame("curve expected fit_diagnosis",
                                *[(k, k, k) for k in ("overfitting", "underfitting", "good_fit")]),
        "fit_tracked": _frame("run run_id fit_diagnosis final_train_acc final_val_acc val_loss_rise",
                              ("tiny_model", "r-tiny", "underfitting", 0.4, 0.38, 0.0),
                              ("big_model_little_data", "r-big", "overfitting", 0.99, 0.7, 0.3)),
        "early_stopping": _frame("source best_epoch restored_weights_epoch stop_epoch",
                                 ("rule (ours)", 3, 3, 6), ("lightning", 3, 3, 6),
                                 ("real run big_model_little_data", 5, 5, 8)),
        "capacity": _frame("variant sweep train_acc val_acc train_time_s advice",
                           ("d1", "mlp_depth", 0.70, 0.68, 1.0, "increase"),
                           ("d4", "mlp_depth", 0.95, 0.90, 2.0, "keep"),
                           ("w8", "mlp_width", 0.60, 0.58, 1.0, "increase"),
                           ("w32", "mlp_width", 0.95, 0.92, 1.2, "keep"),
                           ("w512", "mlp_width", 1.00, 0.85, 3.0, "decrease")),
        "bias_variance": _frame("complexity bias2 variance noise sum expected_test_mse family",
                                (1, 0.20, 0.01, 0.09, 0.30, 0.30, "polynomial_degree"),
                                (3, 0.01, 0.02, 0.09, 0.12, 0.12, "polynomial_degree"),
                                (9, 0.01, 0.20, 0.09, 0.30, 0.31, "polynomial_degree"),
                                (2, 0.15, 0.01, 0.09, 0.25, 0.25, "mlp_width"),
                                (256, 0.01, 0.10, 0.09, 0.20, 0.20, "mlp_width")),
        "classical": _frame("train_size model features test_acc train_time_s family",
                            (250, "logistic_regression", "pixels", 0.85, 0.01, "classical"),
                            (250, "linear_svm", "hog", 0.88, 0.01, "classical"),
                            (250, "cnn", "learned", 0.84, 2.0, "deep"),
                            (4000, "logistic_regression", "pixels", 0.90, 0.5, "classical"),
                            (4000, "linear_svm", "hog", 0.93, 0.4, "classical"),
                            (4000, "cnn", "learned", 0.98, 20.0, "deep")),
        "lr_sweep": _frame("optimizer lr outcome diverged final_val_loss final_val_acc",
                           ("sgd", 1e-4, "too_small", False, 2.0, 0.5),
                           ("sgd", 0.01, "good", False, 0.3, 0.9),
                           ("sgd", 0.1, "too_large", False, 0.5, 0.85),
                           ("adam", 1e-3, "good", False, 0.25, 0.93),
                           ("adam", 0.1, "diverged", True, np.inf, 0.1)),
        "batch_sizes": _frame("batch batch_size updates_per_epoch updates time_per_epoch_s val_acc",
                              ("1", 1, 1000, 3000, 2.0, 0.90), ("32", 32, 32, 96, 0.2, 0.91),
                              ("full", 1000, 1, 3, 0.05, 0.60)),
        "batch_trace": _frame("batch_size updates train_loss",
                              *[(1, u, loss) for u, loss in enumerate([2.3, 1.5, 1.7, 1.1, 1.3])],
                              *[(1000, u, loss) for u, loss in enumerate([2.3, 2.2, 2.1, 2.0])]),
        "quadratic": _frame("run steps_to_tolerance steep_axis_sign_flips final_loss",
                            ("gd", 120, 100, 1e-4), ("momentum", 60, 10, 1e-6),
                            ("nesterov", 50, 6, 1e-6)),
        "activations": _frame("activation final_val_acc zero_output_fraction",
                              ("sigmoid", 0.60, 0.0), ("tanh", 0.80, 0.0),
                              ("relu", 0.92, 0.5), ("gelu", 0.93, 0.0)),
        "activation_ranges": _frame(
            "activation min_on_grid value_at_0 max_derivative derivative_at_0 zero_centred",
            ("sigmoid", 0.0067, 0.5, 0.25, 0.25, False), ("tanh", -0.9999, 0.0, 1.0, 1.0, True),
            ("relu", 0.0, 0.0, 1.0, 0.0, False)),
        "loss_classifier": _frame("loss final_val_acc epochs_to_target",
                                  ("cross_entropy", 0.92, 2.0), ("mse", 0.85, np.nan)),
        "loss_saturation": saturation_gradients([0.99, 0.5, 0.1, 0.01]),
        "loss_regression": _frame("loss outlier_fraction test_rmse",
                                  ("mse", 0.0, 0.50), ("huber", 0.0, 0.51),
                                  ("mse", 0.2, 2.10), ("huber", 0.2, 0.55)),
        "gradient_flow": _frame(
            "case first_last_ratio_init verdict_init verdict_training nonfinite_steps val_acc",
            ("sigmoid", 1e-8, "vanishing", "vanishing", 0, 0.11),
            ("sigmoid_residual", 0.2, "healthy", "healthy", 0, 0.80),
            ("relu", 1e-3, "vanishing", "vanishing", 0, 0.50),
            ("relu_he", 5.0, "healthy", "healthy", 0, 0.90),
            ("relu_bn", 3.0, "healthy", "healthy", 0, 0.92),
            ("relu_residual", 2.0, "healthy", "healthy", 0, 0.91),
            ("relu_large_init", 1.0, "healthy", "exploding", 5, 0.10),
            ("relu_large_init_clipped", 1.0, "healthy", "healthy", 0, 0.50)),
        "gradient_norms": _frame("layer", *[(i,) for i in range(1, 13)]),
        "conv_sizes": check_output_sizes(SizeGrid(sizes=(5, 28, 32), kernels=(1, 3, 5),
                                                  paddings=(0, 1), strides=(1, 2),
                                                  dilations=(1,))),
        "stride_padding": stride_padding_costs(conv.input_size, conv.kernel, (1, 4), (1, 2), 2, 1),
        "receptive_fields": pd.concat(fields, ignore_index=True),
        "pooling": _frame("variant params", ("max", 9098), ("avg", 9098), ("no_pooling", 126698)),
        "shift_accuracy": _frame("variant shift_px accuracy",
                                 *[(v, s, a) for v, accs in (("max", (0.95, 0.94, 0.93, 0.80)),
                                                             ("avg", (0.95, 0.95, 0.94, 0.82)),
                                                             ("no_pooling", (0.95, 0.85, 0.70, 0.5)))
                                   for s, a in enumerate(accs)]),
        "relu_sparsity": _frame("block zero_fraction channels height width",
                                (1, 0.45, 8, 28, 28), (2, 0.60, 16, 14, 14)),
        "normalization": _frame("norm lr final_train_loss train_time_s",
                                ("none", 0.05, 0.60, 1.0), ("lrn", 0.05, 0.55, 1.6),
                                ("batch", 0.05, 0.20, 1.1), ("none", 0.5, 2.30, 1.0),
                                ("lrn", 0.5, 2.30, 1.6), ("batch", 0.5, 0.15, 1.1)),
    }  # fmt: skip


def _findings(blocks, seeds: int = 3, **changes: pd.DataFrame) -> pd.DataFrame:
    params, conv, fit = blocks
    tables = {**fabricated(conv, seeds), **changes}
    return report_findings(params, conv, fit, **tables)


def _verdicts(table: pd.DataFrame) -> dict[str, str]:
    return dict(zip(table["claim_id"], table["verdict"], strict=True))


def test_the_fabricated_tables_are_the_nodes_inputs(blocks):
    assert set(fabricated(blocks[1])) == set(TABLES)
    node = next(n for n in create_pipeline().nodes if n.name == "report_diagnostics_findings")
    assert node.outputs == ["diagnostics_findings"]
    assert set(node.inputs) == {f"diag_{name}_table" for name in TABLES} | {
        "params:diagnostics.findings", "params:diagnostics.conv", "params:diagnostics.fit"
    }  # fmt: skip


def test_every_row_is_a_valid_finding_on_a_course_claim(blocks):
    table = _findings(blocks)
    course = load_course()
    assert list(table.columns) == list(COLUMNS)
    assert set(table["verdict"]) <= set(VERDICTS)
    assert (table["pipeline"] == "diagnostics").all()
    for row in table.itertuples():
        assert course.claim(row.claim_id).id == row.claim_id  # an unknown id raises
        assert course.question_of(row.claim_id).id == row.question
        assert row.measured and row.reason and row.evidence
    outputs = {o for n in create_pipeline().nodes for o in n.outputs}
    written = {f"diagnostics/{o[5:-6]}.csv" for o in outputs if o.endswith("_table")}
    written |= {f"diagnostics/{o[5:-5]}.png" for o in outputs if o.endswith("_plot")}
    evidence = {path for cell in table["evidence"] for path in split_list(cell)}
    assert evidence <= written  # every piece of evidence is a file the pipeline writes
    assert len(table) >= 50


EXACT = ("1.16-best-epoch", "1.16-stop-epoch", "2.16-vanishing", "2.17-confident-wrong",
         "2.24-derivative-range", "3.19-area")  # fmt: skip
"""Claims decided by a rule on a deterministic number (``exact``), flipped below."""

DETERMINISTIC = (*EXACT, "1.9-example", "2.25-updates", "2.18-faster", "2.9-zero-centred",
                 "2.5-huber", "2.17-mse-gradient", "3.2-formula", "3.4-floor", "3.4-examples",
                 "3.2-valid-same", "3.2-stride", "3.19-sizes", "3.19-same", "3.19-table",
                 "3.11-receptive", "3.26-growth", "2.22-params")  # fmt: skip
"""Every claim read from deterministic numbers only: one computation decides."""


def test_three_seeds_reproduce_what_the_experiments_were_built_to(blocks):
    verdicts = _verdicts(_findings(blocks))
    undecided = {claim for claim, verdict in verdicts.items() if verdict != "reproduced"}
    assert undecided == {"1.22-batch"}  # the full batch still improving: unsettled
    assert set(DETERMINISTIC) < set(verdicts)


def test_one_seed_of_a_trained_or_sampled_experiment_decides_nothing(blocks):
    table = _findings(blocks, seeds=1).set_index("claim_id")
    for claim, row in table.iterrows():
        if claim in DETERMINISTIC:
            assert row["verdict"] == "reproduced", claim
            continue
        assert row["verdict"] == "inconclusive", claim
        reason = "still improving" if claim == "1.22-batch" else "one seed"
        assert reason in row["reason"], claim


def test_the_tracked_runs_ids_are_the_overfitting_claims_runs(blocks):
    table = _findings(blocks).set_index("claim_id")
    assert split_list(table.loc["1.17-overfit", "run_ids"]) == ["r-big-s40", "r-big-s41",
                                                                 "r-big-s42"]  # fmt: skip
    assert split_list(table.loc["1.17-underfit", "run_ids"])[0] == "r-tiny-s40"
    assert table.loc["1.16-stop-epoch", "course_printed"] == "Training stopped at epoch 3."
    assert "(mean +- std over 3 seeds)" in table.loc["1.14-saturating", "measured"]
    assert "(paired t-test p = " in table.loc["1.14-saturating", "reason"]  # paired by seed
    assert "paired t-test" not in _findings(blocks, seeds=1).set_index("claim_id").loc[
        "1.14-saturating", "reason"]  # one seed: nothing to pair  # fmt: skip


def _set(table: str, column: str, value: float, where: str) -> tuple:
    """A change to one fabricated table: ``column`` set to ``value`` on the rows ``where``."""
    return table, lambda frame: frame.assign(
        **{column: frame[column].where(~frame.eval(where), value)}
    )


def _and(first: tuple, second: tuple) -> tuple:
    """Two changes to the same fabricated table, one after the other."""
    (table, one), (other, two) = first, second
    assert table == other
    return table, lambda frame: two(one(frame))


@pytest.mark.parametrize(
    ("claim", "change"),
    [
        ("1.16-best-epoch", _set("early_stopping", "best_epoch", 4, "stop_epoch == 6")),
        (
            "2.16-vanishing",
            _set("activation_ranges", "max_derivative", 0.3, "activation == 'sigmoid'"),
        ),  # 0.3^5 = 0.0024, not 0.00098
        (
            "2.24-derivative-range",
            _and(
                _set("activation_ranges", "max_derivative", 0.3, "activation == 'sigmoid'"),
                _set("activation_ranges", "derivative_at_0", 0.5, "activation == 'tanh'"),
            ),
        ),
        (
            "3.19-area",
            _and(
                _set("stride_padding", "output_area_fraction", 1.0, "stride == 2"),
                _set("stride_padding", "flops_torch", 10**12, "stride == 2"),
            ),
        ),  # a stride 2 that cuts neither the map nor the compute
        (
            "2.17-confident-wrong",
            _and(
                _set("loss_saturation", "mse_grad", -0.5, "y_hat == 0.1"),
                _set("loss_saturation", "ce_grad", -0.1, "y_hat == 0.1"),
            ),
        ),
    ],
)
def test_an_exact_claim_on_both_sides_of_its_rule(blocks, claim, change):
    assert _verdicts(_findings(blocks))[claim] == "reproduced"
    table, edit = change
    changed = edit(fabricated(blocks[1])[table])
    assert _verdicts(_findings(blocks, **{table: changed}))[claim] == "not_reproduced"


@pytest.mark.parametrize(
    ("claim", "change"),
    [
        (
            "2.16-sigmoid-vs-relu",
            _set("gradient_flow", "first_last_ratio_init", 5e-3, "case == 'sigmoid'"),
        ),  # only 0.7 decades below ReLU
        ("1.1-data-size", _set("classical", "test_acc", 0.85, "model == 'cnn'")),  # no edge
        ("3.16-bn-better", _set("normalization", "final_train_loss", 2.5, "norm == 'batch'")),
        ("2.5-outliers", _set("loss_regression", "test_rmse", 2.10, "loss == 'huber'")),
        (
            "1.14-saturating",
            _set("activations", "final_val_acc", 0.90, "activation in ['sigmoid', 'tanh']"),
        ),  # 0.90 vs a 0.925 family mean: within 3 points
    ],
)
def test_one_seed_is_inconclusive_on_either_side_of_the_rule(blocks, claim, change):
    """A single seed that clears the rule by far, and one that misses it: neither decides;
    three seeds decide both ways."""
    table, edit = change
    for seeds, verdicts in ((1, ("inconclusive", "inconclusive")),
                            (3, ("reproduced", "not_reproduced"))):  # fmt: skip
        changed = edit(fabricated(blocks[1], seeds)[table])
        for findings, verdict in zip(
            (_findings(blocks, seeds), _findings(blocks, seeds, **{table: changed})),
            verdicts,
            strict=True,
        ):
            row = findings.set_index("claim_id").loc[claim]
            assert row["verdict"] == verdict, (claim, seeds)
            assert ("one seed" in row["reason"]) == (seeds == 1)


@pytest.mark.parametrize(
    ("claim", "change", "one_seed", "every_seed"),
    [
        (
            "1.24-width",
            ("capacity", "advice", "keep", "variant == 'w512'"),
            "inconclusive",  # the widest overfits on two seeds of three: the seeds disagree
            "partly",  # it never overfits: one case fails on every seed
        ),
        (
            "1.17-overfit",
            ("fit_tracked", "fit_diagnosis", "good_fit", "run == 'big_model_little_data'"),
            "inconclusive",
            "partly",
        ),
        (
            "2.24-remedies",
            ("gradient_flow", "verdict_training", "vanishing", "case == 'relu_bn'"),
            "inconclusive",
            "partly",
        ),
        (
            "1.22-lr",
            ("lr_sweep", "outcome", "good", "lr == 0.1"),
            "inconclusive",
            "partly",
        ),
    ],
)
def test_a_property_of_each_run_decides_only_where_every_seed_agrees(
    blocks, claim, change, one_seed, every_seed
):
    """Checked run by run: it holds on every seed (reproduced), fails on one seed
    (inconclusive: the seeds disagree) or on every seed (partly: one case always fails)."""
    table, column, value, where = change
    frame = fabricated(blocks[1])[table]
    for extra, verdict in (("seed == 41", one_seed), ("seed >= 0", every_seed)):
        rows = frame.eval(f"({where}) and {extra}")
        changed = frame.assign(**{column: frame[column].where(~rows, value)})
        row = _findings(blocks, **{table: changed}).set_index("claim_id").loc[claim]
        assert row["verdict"] == verdict, (claim, extra)
    assert "on some" in _findings(blocks, **{table: frame.assign(
        **{column: frame[column].where(~frame.eval(f"({where}) and seed == 41"), value)})}
    ).set_index("claim_id").loc[claim, "reason"]  # fmt: skip


def test_a_network_still_improving_at_its_last_epoch_is_unsettled(blocks):
    table = _findings(blocks).set_index("claim_id")
    assert table.loc["1.22-batch", "verdict"] == "inconclusive"
    assert (
        "batch full still improving at its last epoch (epoch 3)"
        in table.loc["1.22-batch", "reason"]
    )  # the full batch's probe loss 2.3 -> 2.0 was still falling when training stopped
    trace = fabricated(blocks[1])["batch_trace"].copy()
    full = trace["batch_size"] == 1000
    trace.loc[full, "train_loss"] = [2.3, 2.0, 2.1, 2.2] * 3  # lowest mid-way: it had settled
    settled = _findings(blocks, batch_trace=trace).set_index("claim_id").loc["1.22-batch"]
    assert settled["verdict"] == "reproduced" and "still improving" not in settled["reason"]
    late = trace.copy()
    late.loc[full & (late["seed"] == 42), "train_loss"] = [2.3, 2.2, 2.1, 2.0]
    one = _findings(blocks, batch_trace=late).set_index("claim_id").loc["1.22-batch"]
    assert one["verdict"] == "inconclusive" and "seed 42: 2.000" in one["reason"]


def test_an_exact_count_decides_beside_a_timing_that_needs_seeds(blocks):
    row = _findings(blocks, seeds=1).set_index("claim_id").loc["2.25-speed"]
    timing, count = row["reason"].split("; ")
    assert timing.startswith("epoch time") and "one seed" in timing  # a clock: random
    assert count.startswith("updates per epoch") and count.endswith(": reached")  # ceil(n / b)
    assert row["verdict"] == "inconclusive"  # reached and inconclusive parts
    row = _findings(blocks).set_index("claim_id").loc["2.25-speed"]
    assert row["verdict"] == "reproduced" and "over 3 seeds" in row["reason"]


def test_a_claim_that_is_not_measured_stays_out(blocks):
    no_point_one = fabricated(blocks[1])["lr_sweep"].query("lr != 0.1")
    one_size = fabricated(blocks[1])["classical"].query("train_size == 250")
    table = _findings(blocks, lr_sweep=no_point_one, classical=one_size)
    answered = set(table["claim_id"])
    assert "1.22-table" not in answered  # lr 0.1 is not run for both optimizers
    assert "1.1-data-size" not in answered and "1.27-small-data" not in answered
    assert "1.22-lr" in answered and "1.1-small-data-speed" in answered


def test_a_run_that_diverged_on_one_seed_is_shown_and_left_out_of_its_comparison(blocks):
    norms = fabricated(blocks[1])["normalization"]
    bad = (norms["norm"] == "lrn") & (norms["lr"] == 0.5) & (norms["seed"] == 41)
    diverged = norms.assign(final_train_loss=norms["final_train_loss"].mask(bad, np.inf))
    row = _findings(blocks, normalization=diverged).set_index("claim_id").loc["3.9-vs-bn"]
    assert "lrn loss 2.3, inf, 2.3 (by seed)" in row["measured"]
    assert "lr 0.5" not in row["reason"] and "lr 0.05" in row["reason"]  # only where finite
    assert row["verdict"] == "reproduced"


def test_an_accuracy_comparison_of_networks_still_improving_is_unsettled(blocks):
    capacity = fabricated(blocks[1])["capacity"]
    settled = capacity.assign(fit_diagnosis="good_fit")
    late = settled.assign(fit_diagnosis=settled["fit_diagnosis"].mask(
        (settled["variant"] == "d4") & (settled["seed"] == 42), "still_improving"))  # fmt: skip
    before = _findings(blocks, capacity=settled).set_index("claim_id")
    after = _findings(blocks, capacity=late).set_index("claim_id")
    for claim in ("1.24-depth", "1.9-underfit-increase"):  # both read d4's val accuracy
        assert before.loc[claim, "verdict"] == "reproduced", claim
        assert after.loc[claim, "verdict"] == "inconclusive", claim
        assert "mlp_depth d4 on 1 of 3 seeds" in after.loc[claim, "reason"], claim
        assert "not settled: still improving at the last epoch" in after.loc[claim, "reason"]
    assert after.loc["1.24-width", "verdict"] == "reproduced"  # no width run is late

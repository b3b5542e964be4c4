"""The vision pipeline's wiring and its comparison nodes on small synthetic tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from dl_lab.pipelines._kit import VariantRun, studies, variant_runs
from dl_lab.pipelines.vision.nodes import (
    collect_tables,
    compare_variants,
    plot_cost_comparison,
    plot_gaps,
    plot_learning_curves,
    plot_seed_spread,
    plot_weights,
    run_paired_tests,
    summarize_metrics,
    summarize_variants,
)
from dl_lab.pipelines.vision.params import ReportConfig, check_paired_tests
from dl_lab.pipelines.vision.pipeline import comparison_stage, create_pipeline, study_node

STUDIES = {
    "regs": {"mlp_none": {}, "mlp_l1": {}, "mlp_l2": {}},
    "pair": {"a": {"seeds": [0, 1, 2]}, "b": {"seeds": [0, 1, 2]}},
}
REPORT = ReportConfig(
    regularizer_study="regs",
    cost_studies=["pair"],
    paired_tests=[{"study": "pair", "baseline": "a", "candidate": "b"}],
    bootstrap_resamples=200,
)


def _row(study, variant, seed, regularizer, test_acc, gap, near_zero) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "study": study,
                "variant": variant,
                "seed": str(seed),  # tags arrive as strings
                "architecture": "mlp",
                "regularizer": regularizer,
                "test_acc": test_acc,
                "train_val_gap_eval": gap,
                "near_zero_fraction": near_zero,
                "params": 1000,
                "flops": 2000,
                "epoch_time_s": 0.5,
                "run_id": f"{variant}{seed}",
            }
        ]
    )


def _by_namespace(rows: list[pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The rows as the comparison nodes get them: by namespace, in pipeline order."""
    return {f"{r['study'][0]}.{r['variant'][0]}.seed{r['seed'][0]}": r for r in rows}


@pytest.fixture
def rows() -> list[pd.DataFrame]:
    rows = [
        _row("regs", "mlp_none", 42, "none", 0.90, 0.08, 0.02),
        _row("regs", "mlp_l1", 42, "l1", 0.91, 0.06, 0.30),
        _row("regs", "mlp_l2", 42, "l2", 0.92, 0.05, 0.10),
    ]
    for seed, (a, b) in enumerate([(0.90, 0.93), (0.91, 0.95), (0.92, 0.94)]):
        rows += [_row("pair", "a", seed, "none", a, 0.01, 0.0)]
        rows += [_row("pair", "b", seed, "dropout", b, 0.01, 0.0)]
    return rows


def _tidy(identity: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(**identity.iloc[0][["study", "variant", "architecture", "regularizer"]])


def test_one_training_node_per_study_writes_every_run_under_its_namespace():
    runs = variant_runs(STUDIES, default_seed=42)
    assert VariantRun("regs", "mlp_l1", 42) in runs and VariantRun("pair", "b", 2) in runs
    assert len(runs) == 3 + 2 * 3
    pair = [run for run in runs if run.study == "pair"]
    (train,) = study_node("pair", pair).nodes
    assert (train.name, train.namespace) == ("pair.train_pair", "pair")
    assert train.inputs == [
        "model_input",
        "augmentation_spec",
        "params:vision.studies.pair",
        "params:vision.trainer",
        "params:vision.report",
    ]
    assert len(train.outputs) == 7 * len(pair)
    assert {"pair.b.seed2.summary_row", "pair.a.seed0.trained_model"} <= set(train.outputs)


def test_the_shipped_pipeline_feeds_every_variant_into_the_comparison():
    pipeline = create_pipeline()
    runs = studies("vision")
    trains = [n for n in pipeline.nodes if n.name.endswith(f"train_{n.namespace}")]
    assert sorted(n.namespace for n in trains) == sorted({run.study for run in runs})
    outputs = {out for n in trains for out in n.outputs}
    assert {f"{run.namespace}.summary_row" for run in runs} <= outputs
    assert "shallow_vs_deep.deep.seed4.history" in outputs
    assert len(pipeline.nodes) == len(trains) + len(comparison_stage(runs).nodes)
    (compare,) = [n for n in pipeline.nodes if n.name == "compare_variants"]
    assert compare.inputs == [f"{run.namespace}.summary_row" for run in runs]  # in study order
    stage = comparison_stage(runs)
    assert {"vision_paired_tests", "vision_weight_histograms_plot"} <= set(stage.all_outputs())


@pytest.mark.parametrize(
    ("test", "message"),
    [
        ({"study": "pair", "baseline": "a", "candidate": "c"}, "names c, .*pair' has a, b"),
        ({"study": "nope", "baseline": "a", "candidate": "b"}, "no study 'nope'; studies: regs"),
        ({"study": "pair", "baseline": "a", "candidate": "a"}, "two variants, got 'a' twice"),
    ],
)
def test_a_paired_test_must_name_two_variants_of_a_study(test, message):
    runs = variant_runs(STUDIES, default_seed=42)
    with pytest.raises(ValueError, match=message):
        check_paired_tests({"paired_tests": [test]}, runs)


def test_paired_tests_of_existing_variants_pass():
    runs = variant_runs(STUDIES, default_seed=42)
    report = {"paired_tests": [{"study": "pair", "baseline": "a", "candidate": "b"}]}
    (test,) = check_paired_tests(report, runs)
    assert (test.study, test.metric) == ("pair", "test_acc")
    assert check_paired_tests({}, runs) == []


def test_comparison_table_and_seed_summary(rows):
    table = compare_variants(**_by_namespace(rows))
    assert list(table.columns[:5]) == ["study", "variant", "architecture", "regularizer", "seed"]
    assert table["seed"].dtype.kind == "i" and len(table) == 9
    summary = summarize_variants(table).set_index(["study", "variant"])
    assert summary.loc[("pair", "b"), "n_seeds"] == 3
    assert summary.loc[("pair", "b"), "test_acc_mean"] == pytest.approx(0.94)
    assert summary.loc[("pair", "b"), "test_acc_std"] == pytest.approx(0.01)


def test_paired_tests_pair_by_seed(rows):
    table = compare_variants(**_by_namespace(rows[::-1]))  # row order must not matter
    (result,) = run_paired_tests(table, REPORT, seed=0).to_dict("records")
    assert result["n"] == 3
    assert result["mean_diff"] == pytest.approx(np.mean([0.03, 0.04, 0.02]))
    assert result["ci_low"] < result["mean_diff"] < result["ci_high"]
    metrics = summarize_metrics(table, pd.DataFrame([result]))
    assert metrics["pair.b_vs_a.mean_diff"]["value"] == pytest.approx(0.03)
    assert metrics["best_test_acc"]["value"] == pytest.approx(0.95)


def test_paired_tests_refuse_unmatched_seeds(rows):
    table = compare_variants(**_by_namespace(rows[:-1]))  # b lost its seed 2
    with pytest.raises(ValueError, match="pair: a seeds \\[0, 1, 2\\] and b seeds \\[0, 1\\]"):
        run_paired_tests(table, REPORT, seed=0)


def test_every_comparison_figure_is_drawn(rows):
    table = compare_variants(**_by_namespace(rows))
    summary = summarize_variants(table)
    curve = pd.DataFrame({"epoch": [1, 2], "train_acc": [0.5, 0.9], "val_acc": [0.5, 0.8]})
    histories = collect_tables(
        **{
            ns: _tidy(r, curve).assign(seed=int(r["seed"].iloc[0]))
            for ns, r in _by_namespace(rows).items()
        }
    )
    edges = np.linspace(-8, 1, 10)
    bins = pd.DataFrame({"bin_left": edges[:-1], "bin_right": edges[1:], "count": 1})
    histograms = collect_tables(**{ns: _tidy(r, bins) for ns, r in _by_namespace(rows).items()})
    figures = [
        plot_cost_comparison(summary, REPORT),
        plot_learning_curves(histories),
        plot_seed_spread(table),
        plot_weights(histograms, table, REPORT),
        plot_gaps(summary, REPORT),
    ]
    assert all(isinstance(f, Figure) and f.axes for f in figures)
    legend = [t.get_text() for t in figures[3].axes[0].get_legend().get_texts()]
    assert legend == [
        "none: 2.0% with |w| < 0.001",
        "l1: 30.0% with |w| < 0.001",
        "l2: 10.0% with |w| < 0.001",
    ]
    bars = [p.get_height() for p in figures[4].axes[0].patches]
    assert bars == pytest.approx([0.08, 0.06, 0.05])

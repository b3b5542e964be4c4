"""The vision pipeline on an in-memory catalog: the real nodes and wiring, tiny MLPs on a
synthetic ``ModelInput``, conf/test parameters with overrides, a scratch MLflow store."""

from __future__ import annotations

import pytest
from kedro.pipeline import Pipeline
from matplotlib.figure import Figure

from dl_lab.course.findings import split_list
from dl_lab.course.rules import VERDICTS
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.pipelines._kit import VariantRun
from dl_lab.pipelines.vision.pipeline import comparison_stage, study_node

NAMESPACE = "architectures.mlp_shallow.seed42"
TINY_MLP = {"architecture": "mlp", "model": {"depth": 1, "width": 8}}
WIDER_L2_MLP = {
    **TINY_MLP,
    "model": {"depth": 1, "width": 16},
    "regularizers": {"l2": {"strength": 1e-3}},
}


@pytest.fixture
def store(tmp_path, monkeypatch, request):
    """The scratch MLflow store, run from ``tmp_path`` so artifacts and checkpoints land there."""
    monkeypatch.chdir(tmp_path)
    return request.getfixturevalue("tracked")


@pytest.fixture
def run_layers(run_slice):
    """``run_slice`` one layer of nodes at a time, so every dataset comes back, not only the
    free outputs (the catalog is in memory either way; each node runs once)."""

    def run(pipeline: Pipeline, inputs: dict, params: dict) -> dict:
        data = dict(inputs)
        for layer in pipeline.grouped_nodes:
            part = Pipeline(layer)
            given = {name: data[name] for name in part.inputs() if name in data}
            data.update(run_slice(part, given, params=params))
        return data

    return run


@pytest.fixture
def inputs() -> dict:
    return {
        "model_input": synthetic_bundle(),
        "augmentation_spec": AugmentationSpec().model_dump(),
    }


def test_one_variant_trains_evaluates_and_reports_in_its_own_run(run_layers, store, inputs):
    client, experiment = store
    template = study_node("architectures", [VariantRun("architectures", "mlp_shallow", 42)])
    shrunk = {"architectures": {"mlp_shallow": {"model": {"width": 8}}}}
    out = run_layers(template, inputs, params={"vision": {"studies": shrunk}})

    (row,) = out[f"{NAMESPACE}.summary_row"].to_dict("records")
    assert (row["study"], row["variant"], row["seed"]) == ("architectures", "mlp_shallow", "42")
    # the architecture study's recipe is AdamW with decoupled weight decay, and says so
    assert (row["architecture"], row["regularizer"]) == ("mlp", "weight_decay")
    assert row["epochs_run"] == 2  # conf/test
    assert row["params"] == 8 * 8 * 8 + 8 + 8 * 3 + 3  # 8x8 image -> 8 hidden -> 3 classes
    assert 0.0 <= row["test_acc"] <= 1.0
    assert row["train_val_gap_eval"] == pytest.approx(row["train_acc_eval"] - row["val_acc_eval"])
    history = out[f"{NAMESPACE}.history"]
    assert list(history["epoch"]) == [1, 2]
    assert {"train_loss", "train_acc", "val_loss", "val_acc"} <= set(history)
    assert set(history[["study", "variant", "seed"]].itertuples(index=False)) == {
        ("architectures", "mlp_shallow", 42)
    }
    assert out[f"{NAMESPACE}.eval_metrics"]["test_acc"] == row["test_acc"]
    assert out[f"{NAMESPACE}.confusion"].to_numpy().sum() == 48  # every test image once
    histogram = out[f"{NAMESPACE}.weight_histogram"]
    assert histogram["count"].sum() == 8 * 8 * 8 + 8 * 3  # weights, not biases
    assert set(histogram[["study", "variant", "seed"]].itertuples(index=False)) == {
        ("architectures", "mlp_shallow", 42)
    }
    (run,) = client.search_runs([experiment])
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"learning_curves.png", "confusion_matrix.png", "checkpoints"} <= artifacts
    assert run.outputs.model_outputs, "the model (pytorch flavour) is logged to the run"
    assert run.info.run_id == row["run_id"] and run.info.status == "FINISHED"
    assert run.info.run_name == "architectures__mlp_shallow__seed42"
    tags = run.data.tags
    expected = {
        "pipeline": "vision",
        "study": "architectures",
        "variant": "mlp_shallow",
        "seed": "42",
        "architecture": "mlp",
        "regularizer": "weight_decay",
        "dataset": "synthetic_3x1x8x8",
        "data_fingerprint": "synthetic-seed0-96-48-48",
    }
    assert {key: tags.get(key) for key in expected} == expected
    assert tags["git_sha"] == row["git_sha"]
    assert run.data.metrics["test_acc"] == pytest.approx(row["test_acc"])
    assert [m.step for m in client.get_metric_history(run.info.run_id, "val_acc")] == [0, 1]


def test_the_comparison_pairs_variants_by_seed(run_layers, store, inputs):
    client, experiment = store
    runs = [VariantRun("pair", variant, seed) for variant in ("a", "b") for seed in (0, 1)]
    pipeline = study_node("pair", runs) + comparison_stage(runs)
    params = {
        "vision": {
            "trainer": {"max_epochs": 1},
            "studies": {"pair": {"a": TINY_MLP, "b": WIDER_L2_MLP}},
            "report": {
                "regularizer_study": "pair",
                "cost_studies": ["pair"],
                "paired_tests": [{"study": "pair", "baseline": "a", "candidate": "b"}],
            },
        }
    }
    out = run_layers(pipeline, inputs, params=params)

    table = out["vision_comparison"]
    assert dict(zip(table["variant"], table["regularizer"], strict=True)) == {
        "a": "none",
        "b": "l2",
    }
    assert list(table[["variant", "seed"]].itertuples(index=False)) == [
        ("a", 0),
        ("a", 1),
        ("b", 0),
        ("b", 1),
    ]
    weights = {"a": 64 * 8 + 8 * 3, "b": 64 * 16 + 16 * 3}  # 8x8 image -> width -> 3 classes
    assert table.groupby("variant")["params"].first().to_dict() == {"a": 547, "b": 1091}
    histograms = out["vision_weight_histograms"]
    assert histograms.groupby("variant")["count"].sum().to_dict() == {
        name: 2 * count
        for name, count in weights.items()  # summed over two seeds
    }
    summary = out["vision_summary"].set_index("variant")
    assert summary.loc["a", "n_seeds"] == 2
    assert summary.loc["b", "test_acc_mean"] == pytest.approx(
        table[table["variant"] == "b"]["test_acc"].mean()
    )
    histories = out["vision_histories"]
    assert len(histories) == 4 and set(histories["epoch"]) == {1}  # one epoch per run
    assert {"train_loss", "val_loss", "val_acc", "seed"} <= set(histories)
    (paired,) = out["vision_paired_tests"].to_dict("records")
    chosen = {key: paired[key] for key in ("study", "baseline", "candidate", "metric", "n")}
    assert chosen == {
        "study": "pair",
        "baseline": "a",
        "candidate": "b",
        "metric": "test_acc",
        "n": 2,
    }
    b, a = (table[table["variant"] == v]["test_acc"].to_numpy() for v in ("b", "a"))
    assert paired["mean_diff"] == pytest.approx((b - a).mean())
    metrics = out["vision_metrics"]
    assert metrics["best_test_acc"] == {"value": table["test_acc"].max(), "step": 0}
    assert metrics["pair.b_vs_a.mean_diff"]["value"] == pytest.approx(paired["mean_diff"])
    for figure in (
        "vision_accuracy_vs_cost",
        "vision_learning_curves",
        "vision_seed_boxplots",
        "vision_weight_histograms_plot",
        "vision_gap_per_regularizer",
    ):
        assert isinstance(out[figure], Figure) and out[figure].axes, figure
    names = sorted(r.info.run_name for r in client.search_runs([experiment]))
    assert names == [f"pair__{v}__seed{s}" for v in ("a", "b") for s in (0, 1)]
    findings = out["vision_findings"].set_index("claim_id")
    assert set(findings["verdict"]) <= set(VERDICTS)
    gap = findings.loc["1.4-gap-shrinks"]  # b (l2) against a (none), paired by seed
    assert "mlp l2" in gap["measured"] and "over 2 seeds" in gap["measured"]
    assert set(split_list(gap["run_ids"])) == set(table["run_id"])
    assert "vision/gap_per_regularizer.png" in split_list(gap["evidence"])
    assert "1.18-deep-better" not in findings.index  # no shallow_vs_deep study here

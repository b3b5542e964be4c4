"""diagnostics on an in-memory catalog: the real nodes, conf/test parameters shrunk further,
a synthetic ``ModelInput``, tracked runs in a scratch MLflow store."""

from __future__ import annotations

import pytest

from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.evaluation.fit import LABELS
from dl_lab.pipelines.diagnostics.pipeline import create_pipeline


def _tiny(tmp_path) -> dict:
    """conf/test's diagnostics with smaller training subsets and checkpoints in ``tmp_path``."""
    return {
        "diagnostics": {
            "tracked": {
                "trainer": {"checkpoint_dir": str(tmp_path / "checkpoints")},
                "runs": {
                    "tiny_model": {"train_size": 60},
                    "big_model_little_data": {"train_size": 30},
                },
            },
            "hyperparams": {"train_size": 60},
        }
    }


@pytest.fixture
def seeds(parameters) -> list[int]:
    """conf/test's ``diagnostics.seeds``."""
    return parameters()["diagnostics"]["replicates"]["seeds"]


@pytest.fixture(scope="module")
def bundle():
    return synthetic_bundle(sizes=(96, 48, 48), classes=3, shape=(1, 8, 8))


def test_fit_diagnosis_runs_are_tracked_and_early_stopped(
    run_slice, tracked, bundle, tmp_path, seeds
):
    client, experiment_id = tracked
    pipeline = create_pipeline().only_nodes("diagnose_synthetic_curves", "train_tracked_runs")
    out = run_slice(pipeline, {"model_input": bundle}, params=_tiny(tmp_path))

    synthetic = out["diag_fit_synthetic_table"]
    assert (synthetic["fit_diagnosis"] == synthetic["expected"]).all()  # each regime recognized
    assert sorted(set(synthetic["seed"])) == seeds  # conf/test's seeds, each its own noise

    table = out["diag_fit_tracked_table"].set_index(["seed", "run"])
    assert table["train_size"].to_dict() == {
        (seed, run): size for seed in seeds
        for run, size in (("tiny_model", 60), ("big_model_little_data", 30))
    }  # fmt: skip
    assert set(table["fit_diagnosis"]) <= set(LABELS)
    assert (table["epochs_run"] <= 6).all()  # conf/test: max_epochs 6
    histories = out["diag_tracked_histories_table"]
    assert (
        histories.groupby(["seed", "run"])["epoch"].max().to_dict() == table["epochs_run"].to_dict()
    )

    runs = {r.info.run_name: r for r in client.search_runs([experiment_id])}
    assert set(runs) == {f"fit_diagnosis__{run}__seed{seed}" for seed in seeds
                         for run in ("tiny_model", "big_model_little_data")}  # fmt: skip
    for name, run in runs.items():
        variant, seed = name.split("__")[1], int(name.split("seed")[-1])
        assert run.info.run_id == table.loc[(seed, variant), "run_id"]
        tags = run.data.tags
        assert (tags["pipeline"], tags["study"], tags["variant"], tags["seed"]) == (
            "diagnostics", "fit_diagnosis", variant, str(seed),
        )  # fmt: skip
        assert tags["data_fingerprint"] == bundle.fingerprint and tags["architecture"] == "mlp"
        assert tags["fit_diagnosis"] == table.loc[(seed, variant), "fit_diagnosis"]

    tracked_outputs = {
        name: out[name] for name in ("diag_tracked_histories_table", "diag_fit_tracked_table")
    }
    stopped = run_slice(create_pipeline().only_nodes("check_early_stopping"), tracked_outputs)
    stopping = stopped["diag_early_stopping_table"].set_index("source")
    course = stopping.loc["rule (ours)", ["best_epoch", "stop_epoch"]].tolist()
    assert course == [3, 6]  # course 1.16's scripted sequence, patience 3
    lightning = stopping.loc["lightning EarlyStopping + ModelCheckpoint"]
    assert lightning[["best_epoch", "restored_weights_epoch", "stop_epoch"]].tolist() == [3, 3, 6]
    real = stopping.loc["real run big_model_little_data"]  # the first seed's run
    assert real["stop_epoch"] == table.loc[(seeds[0], "big_model_little_data"), "epochs_run"]


def test_learning_rate_sweep_and_conv_arithmetic(run_slice, bundle, tmp_path, seeds):
    params = _tiny(tmp_path)
    params["diagnostics"]["hyperparams"]["lr_sweep"] = {"rates": {"sgd": [0.01, 1e4]}}
    pipeline = create_pipeline().only_nodes("sweep_learning_rates", "check_conv_arithmetic")
    out = run_slice(pipeline, {"model_input": bundle}, params=params)

    sweep = out["diag_lr_sweep_table"]
    assert len(sweep) == 4 * len(seeds)  # two rates each of sgd and adam (conf/test's), per seed
    by_rate = sweep.set_index(["seed", "optimizer", "lr"])
    for seed in seeds:
        assert by_rate.loc[(seed, "sgd", 1e4), "outcome"] == "diverged"  # a runaway loss, reported
        assert by_rate.loc[(seed, "sgd", 0.01), "outcome"] != "diverged"
    assert (sweep["diverged"] == (sweep["outcome"] == "diverged")).all()
    assert set(sweep["fit_diagnosis"]) <= set(LABELS)
    largest = sweep[sweep["lr"] == sweep.groupby("optimizer")["lr"].transform("max")]
    assert out["diag_lr_metrics"] == {
        f"lr_sweep_{name}_largest_diverged": {"value": float(part["diverged"].mean()), "step": 0}
        for name, part in largest.groupby("optimizer", sort=False)
    }  # the share of seeds on which the largest rate diverged
    assert out["diag_lr_metrics"]["lr_sweep_sgd_largest_diverged"]["value"] == 1.0

    sizes = out["diag_conv_sizes_table"]
    assert set(sizes["outcome"]) <= {"equal", "both_refuse", "formula_refuses"}
    metrics = {name: value["value"] for name, value in out["diag_conv_metrics"].items()}
    assert metrics["conv_size_cases"] == len(sizes)
    assert metrics["receptive_field_agreement"] == 1.0  # formula == autograd, every layer
    fields = out["diag_receptive_fields_table"].set_index(["stack", "layer"])
    assert fields.loc[("lenet5", "s4"), "receptive_field"] == 16  # 5 + 1 + 4*2 + 1*2

"""The vision findings node on small fabricated tables: each claim's rule on both sides,
valid verdicts, real claim ids, evidence named as the catalog writes it; one seed, or a
network still improving at its last epoch, leaves a trained comparison inconclusive."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dl_lab.course.findings import COLUMNS, split_list
from dl_lab.course.questions import load_course
from dl_lab.course.rules import ONE_SEED, VERDICTS
from dl_lab.findings.vision import FindingsConfig, tables
from dl_lab.findings.vision.counts import torchvision_count
from dl_lab.pipelines._kit import variant_runs
from dl_lab.pipelines.vision.nodes import report_findings
from dl_lab.pipelines.vision.params import ReportConfig, check_findings

CONF = Path(__file__).resolve().parents[3] / "conf"
REGS = "regularizers"
SEEDS = [0, 1, 2, 3, 4]
SHIPPED = [42]  # the regularizer and architecture studies as conf/base runs them: one seed
EDGES = np.linspace(-8.0, 1.0, 91)  # log10|w|, 0.1-decade bins as in conf/base
EPOCHS = [1, 2, 3]
SETTLED, IMPROVING = [0.80, 0.90, 0.89], [0.80, 0.85, 0.90]  # val_acc by epoch

# One run per regularizer, architecture and seed (the same on every seed): the "none"
# variant overfits; each regularizer narrows the gap and behaves as the course says.
REGULARIZED = {  # label: (train_acc, val_acc, test_acc, near_zero, zeros, norm, shift)
    "none": (1.00, 0.85, 0.85, 0.02, 0.0, 30.0, 0.0),
    "l1": (0.97, 0.88, 0.88, 0.40, 0.0, 12.0, -0.5),
    "l2": (0.97, 0.89, 0.89, 0.05, 0.0, 15.0, -0.3),
    "elastic_net": (0.97, 0.88, 0.88, 0.30, 0.0, 14.0, -0.4),
    "dropout": (0.985, 0.975, 0.975, 0.02, 0.0, 28.0, 0.0),
    "early_stopping": (0.95, 0.88, 0.88, 0.02, 0.0, 20.0, 0.0),
    "augmentation": (0.93, 0.89, 0.89, 0.02, 0.0, 29.0, 0.0),
    "batch_norm": (0.98, 0.88, 0.88, 0.02, 0.0, 31.0, 0.0),
}


def _row(study, variant, seed, architecture="mlp", regularizer="none", **metrics) -> dict:
    return {
        "study": study,
        "variant": variant,
        "architecture": architecture,
        "regularizer": regularizer,
        "seed": seed,
        "run_id": f"{study}-{variant}-{seed}",
        **metrics,
    }


def _accuracy(train: float, val: float, test: float) -> dict:
    return {
        "train_acc_eval": train,
        "val_acc_eval": val,
        "test_acc": test,
        "train_val_gap_eval": train - val,
    }


def _regularizer_rows(table: dict[str, tuple] | None = None, seeds=SEEDS) -> list[dict]:
    rows = []
    for arch, seed in ((arch, seed) for arch in ("mlp", "lenet5") for seed in seeds):
        for label, (train, val, test, near, zeros, norm, _) in (table or REGULARIZED).items():
            rows.append(
                _row(
                    REGS, f"{arch}_{label}", seed, arch, label,
                    **_accuracy(train, val, test),
                    near_zero_fraction=near, zero_fraction=zeros, weight_l2_norm=norm,
                    params=1000, epoch_time_s=0.5,
                )
            )  # fmt: skip
    return rows


def _pair_rows(study, a, b, acc_a, acc_b, params=(1000, 2000), time=(0.5, 1.0)) -> list[dict]:
    """Two variants over SEEDS; ``acc_*`` per seed."""
    rows = []
    for variant, accs, count, seconds in (
        (a, acc_a, params[0], time[0]),
        (b, acc_b, params[1], time[1]),
    ):
        for seed, acc in zip(SEEDS, accs, strict=True):
            rows.append(
                _row(study, variant, seed, "cnn", "dropout", **_accuracy(acc + 0.05, acc, acc),
                     params=count, epoch_time_s=seconds)
            )  # fmt: skip
    return rows


def _zoo_rows(seeds=SEEDS) -> list[dict]:
    zoo = {  # variant: (test_acc, params, epoch time)
        "mlp_shallow": (0.93, 200_000, 0.2),
        "mlp_deep": (0.95, 400_000, 0.4),
        "mlp_dropout": (0.968, 120_000, 0.2),  # 1.10a's MLP: train 0.988, test 0.968
        "vgg11": (0.96, 300_000, 1.0),
        "googlenet": (0.975, 50_000, 1.2),
        "resnet": (0.98, 40_000, 0.9),
        "resnet_plain": (0.96, 40_000, 0.9),
    }
    return [
        _row("architectures", name, seed, **_accuracy(acc + 0.02, acc, acc), params=p,
             epoch_time_s=t)
        for name, (acc, p, t) in zoo.items()
        for seed in seeds
    ]  # fmt: skip


def _comparison(regularized=None, deep=None, seeds=SEEDS) -> pd.DataFrame:
    """The regularizer and architecture studies on ``seeds``; shallow_vs_deep on SEEDS."""
    shallow = [0.90, 0.91, 0.92, 0.90, 0.91]
    deep = deep if deep is not None else [a + 0.03 for a in shallow]
    return pd.DataFrame(
        _regularizer_rows(regularized, seeds)
        + _pair_rows("shallow_vs_deep", "shallow", "deep", shallow, deep)
        + _zoo_rows(seeds)
    )


def _histories(
    comparison: pd.DataFrame, bn_loss: float = 0.4, improving: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Three epochs of every run: training loss 0.6 (``bn_loss`` with batch norm), and a
    val_acc at its best in epoch 2 (settled), or in epoch 3 for the ``improving`` variants."""
    runs = comparison[["study", "variant", "seed", "regularizer"]]
    rows = runs.merge(pd.DataFrame({"epoch": EPOCHS}), how="cross")
    still = rows["variant"].isin(improving).to_numpy()
    val_acc = np.where(
        still, np.take(IMPROVING, rows["epoch"] - 1), np.take(SETTLED, rows["epoch"] - 1)
    )
    return rows.assign(
        train_loss=np.where(rows["regularizer"] == "batch_norm", bn_loss, 0.6), val_acc=val_acc
    )


def _histograms(comparison: pd.DataFrame, table: dict[str, tuple] | None = None) -> pd.DataFrame:
    """log10|w| ~ N(-1.5 + shift, 0.5): a negative shift scales every weight down alike."""
    centres = (EDGES[:-1] + EDGES[1:]) / 2
    frames = []
    for _, run in comparison[comparison["study"] == REGS].iterrows():
        shift = (table or REGULARIZED)[run["regularizer"]][-1]
        counts = np.round(1e4 * np.exp(-(((centres + 1.5 - shift) / 0.5) ** 2) / 2)).astype(int)
        frames.append(
            pd.DataFrame({"bin_left": EDGES[:-1], "bin_right": EDGES[1:], "count": counts}).assign(
                **run[["study", "variant", "seed", "architecture", "regularizer"]]
            )
        )
    return pd.concat(frames, ignore_index=True)


def _paired_tests() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"study": "shallow_vs_deep", "baseline": "shallow", "candidate": "deep", "n": 5,
             "t_pvalue": 0.001, "wilcoxon_pvalue": 0.0625, "wilcoxon_min_p": 0.0625,
             "cohens_d": 3.0},
        ]
    )  # fmt: skip


@pytest.fixture
def config(parameters) -> tuple[ReportConfig, FindingsConfig]:
    vision = parameters("base")["vision"]
    return ReportConfig(**vision["report"]), FindingsConfig(**vision["findings"])


@pytest.fixture
def findings(config):
    """``findings(comparison=..., histories=..., histograms=...)``: the node's table by claim."""
    report, cfg = config

    def run(comparison=None, histories=None, histograms=None, paired=None) -> pd.DataFrame:
        comparison = _comparison() if comparison is None else comparison
        table = report_findings(
            comparison,
            _paired_tests() if paired is None else paired,
            _histories(comparison) if histories is None else histories,
            _histograms(comparison) if histograms is None else histograms,
            report,
            cfg,
        )
        return table.set_index("claim_id", drop=False)

    return run


def test_every_row_is_a_valid_finding_of_a_real_claim(findings):
    table = findings()
    course = load_course()
    assert list(table.columns) == list(COLUMNS)
    assert set(table["verdict"]) <= set(VERDICTS)
    assert (table["pipeline"] == "vision").all()
    for row in table.itertuples():
        assert course.question_of(row.claim_id).id == row.question, row.claim_id
    expected = {
        "1.4-gap-shrinks", "1.4-bn-convergence", "1.7-gap", "1.10a-accuracy", "1.12-l1-sparse",
        "1.12-l2-shrink", "1.12-lambda-norm", "1.18-deep-better", "1.18-cost", "1.21-bn-lr",
        "1.24-depth", "1.24-connectivity", "3.24-tradeoff", "3.8-params", "3.8-flatten",
        "3.8-shapes", "3.18-params", "3.18-shapes", "3.20-params", "3.24-vgg",
        "3.24-resnet152", "3.24-googlenet",
    }  # fmt: skip
    assert set(table["claim_id"]) == expected


def test_a_world_that_behaves_as_the_course_says_reproduces_every_claim(findings):
    table = findings()
    wrong = table[table["verdict"] != "reproduced"]
    assert wrong.empty, wrong[["claim_id", "verdict", "reason"]].to_string()


def test_dropout_that_does_not_help_is_not_reproduced(findings):
    worse = {**REGULARIZED, "dropout": (1.00, 0.84, 0.84, 0.02, 0.0, 30.0, 0.0)}
    table = findings(_comparison(regularized=worse))
    assert table.loc["1.7-gap", "verdict"] == "not_reproduced"
    assert "mlp train dropout 1 [1, 1] over 5 seeds vs none 1" in table.loc["1.7-gap", "measured"]
    # the gap of 1.4 still shrinks for the other regularizers: only partly reproduced
    assert table.loc["1.4-gap-shrinks", "verdict"] == "partly"


def test_the_train_accuracy_half_of_dropout_alone_gives_partly(findings):
    lower_train_only = {**REGULARIZED, "dropout": (0.96, 0.85, 0.85, 0.02, 0.0, 30.0, 0.0)}
    table = findings(_comparison(regularized=lower_train_only))
    assert table.loc["1.7-gap", "verdict"] == "partly"


def test_an_effect_within_the_margin_does_not_count(findings, config):
    _, cfg = config
    small = cfg.accuracy_margin / 2
    barely = {**REGULARIZED, "l2": (1.00 - small, 0.85, 0.85, 0.05, 0.0, 15.0, -0.3)}
    table = findings(_comparison(regularized=barely))
    reason = table.loc["1.4-gap-shrinks", "reason"]
    assert "mlp l2 0.145 [0.145, 0.145] over 5 seeds vs mlp none 0.15" in reason
    assert table.loc["1.4-gap-shrinks", "verdict"] == "partly"


def test_deep_vs_shallow_over_seeds_on_both_sides_and_in_between(findings):
    shallow = [0.90, 0.91, 0.92, 0.90, 0.91]
    better = findings(_comparison(deep=[a + 0.03 for a in shallow])).loc["1.18-deep-better"]
    worse = findings(_comparison(deep=[a - 0.03 for a in shallow])).loc["1.18-deep-better"]
    noisy = findings(
        _comparison(
            deep=[a + d for a, d in zip(shallow, [0.06, -0.03, 0.05, -0.02, 0.04], strict=True)]
        )
    )
    assert better["verdict"] == "reproduced" and worse["verdict"] == "not_reproduced"
    assert noisy.loc["1.18-deep-better", "verdict"] == "inconclusive"
    assert "over 5 seeds" in better["measured"] and "paired t p=0.001" in better["measured"]
    assert split_list(better["run_ids"]) == [
        f"shallow_vs_deep-{v}-{s}" for v in ("shallow", "deep") for s in SEEDS
    ]


def test_one_seed_of_a_trained_network_is_inconclusive_but_a_count_decides(findings):
    table = findings(_comparison(seeds=SHIPPED))  # one run per variant, as conf/base has
    for claim in ("1.4-gap-shrinks", "1.7-gap", "1.12-l1-sparse", "1.24-connectivity"):
        assert table.loc[claim, "verdict"] == "inconclusive", claim
        assert ONE_SEED in table.loc[claim, "reason"], claim
    # 3.24: its parameter counts are exact and hold; its single-seed accuracies do not decide
    tradeoff = table.loc["3.24-tradeoff"]
    assert tradeoff["verdict"] == "inconclusive"
    assert "params googlenet 50,000 vs vgg11 300,000" in tradeoff["measured"]
    assert "googlenet 5e+04 vs vgg11 3e+05; expected googlenet < vgg11" in tradeoff["reason"]
    assert tradeoff["reason"].count(ONE_SEED) == 2  # googlenet's and resnet's test_acc
    # five seeds of shallow_vs_deep, and the counts, still decide
    for claim in ("1.18-deep-better", "1.18-cost", "3.8-params", "3.18-params", "3.24-vgg"):
        assert table.loc[claim, "verdict"] == "reproduced", claim


def test_a_network_still_improving_at_its_last_epoch_leaves_its_comparison_unsettled(findings):
    comparison = _comparison()
    table = findings(comparison, histories=_histories(comparison, improving=("deep",)))
    deep = table.loc["1.18-deep-better"]
    assert deep["verdict"] == "inconclusive"
    assert "test_acc shallow 0.908 [0.898, 0.918] over 5 seeds" in deep["measured"]
    assert deep["reason"].endswith(
        "it is; not settled (val_acc still rising by more than 0.004 in the last 25% of the "
        "epochs): deep seeds 0, 1, 2, 3, 4 still improving at their last epoch (epoch 3)"
    )
    # what the deep net costs does not depend on how far it trained
    assert table.loc["1.18-cost", "verdict"] == "reproduced"
    # nor does 1.4's loss after epoch 1, while the same networks' gaps are unsettled
    improving = _histories(comparison, improving=("mlp_batch_norm", "mlp_none"))
    table = findings(comparison, histories=improving)
    assert table.loc["1.4-bn-convergence", "verdict"] == "reproduced"
    assert table.loc["1.4-gap-shrinks", "verdict"] == "inconclusive"
    assert "mlp_none seeds 0, 1, 2, 3, 4 still improving" in table.loc["1.4-gap-shrinks", "reason"]


def test_l1_without_near_zero_weights_is_not_sparse(findings):
    dense = {**REGULARIZED, "l1": (0.97, 0.88, 0.88, 0.05, 0.0, 12.0, -0.5)}
    table = findings(_comparison(regularized=dense))
    assert table.loc["1.12-l1-sparse", "verdict"] == "partly"  # no exact zeros still holds
    zeros = {**REGULARIZED, "l2": (0.97, 0.89, 0.89, 0.05, 0.3, 15.0, -0.3)}
    assert findings(_comparison(regularized=zeros)).loc["1.12-l2-shrink", "verdict"] == "partly"


def test_bn_that_does_not_speed_up_the_first_epoch_is_not_reproduced(findings):
    comparison = _comparison()
    table = findings(comparison, histories=_histories(comparison, bn_loss=0.6))
    assert table.loc["1.4-bn-convergence", "verdict"] == "not_reproduced"


def test_claims_whose_runs_are_absent_stay_out(findings):
    comparison = _comparison()
    only_counts = comparison[comparison["study"] == "nothing"]
    table = findings(
        only_counts, histories=_histories(only_counts), histograms=_histograms(comparison).iloc[:0]
    )
    assert set(table["claim_id"]) == {
        "3.8-params", "3.8-flatten", "3.8-shapes", "3.18-params", "3.18-shapes",
        "3.20-params", "3.24-vgg", "3.24-resnet152", "3.24-googlenet",
    }  # fmt: skip
    assert (table["run_ids"] == "").all()


def test_corrected_claims_state_what_the_course_printed(findings):
    table = findings()
    row = table.loc["3.24-resnet152"]
    assert row["course_printed"] == "ResNet-152 has about 25M parameters."
    assert "60,192,808" in row["measured"]


def test_the_imagenet_counts_are_torchvision_s():
    assert torchvision_count("vgg16") == 138_357_544
    assert torchvision_count("googlenet") == 6_624_904  # without the auxiliary heads


def _written_by_the_catalog() -> list[re.Pattern]:
    """The catalog's files under data/08_reporting, a factory's ``{name}`` as a wildcard."""
    catalog = yaml.safe_load((CONF / "base" / "catalog_vision.yml").read_text())
    paths = [entry.get("dataset", entry).get("filepath", "") for entry in catalog.values()]
    return [
        re.compile(
            re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path.removeprefix("data/08_reporting/")))
        )
        for path in paths
        if path.startswith("data/08_reporting/")
    ]


def test_evidence_names_the_catalog_s_files(findings):
    written = _written_by_the_catalog()
    named = [getattr(tables, name) for name in dir(tables) if name.isupper() and name != "PIPELINE"]
    named += [name for cell in findings()["evidence"] for name in split_list(cell)]
    for name in named:
        assert any(pattern.fullmatch(name) for pattern in written), name
    assert not any(pattern.fullmatch("vision/nowhere/comparison.csv") for pattern in written)


def test_the_findings_block_must_name_variants_the_studies_have(config):
    _, cfg = config
    runs = variant_runs({"shallow_vs_deep": {"shallow": {}, "deep": {}}}, default_seed=0)
    raw = cfg.model_dump()
    for key in ("mnist_mlp", "residual_pair", "tradeoff"):
        raw[key] = None
    raw["depth_pairs"] = []
    assert check_findings(raw, runs).shallow_vs_deep.deep == "deep"
    raw["shallow_vs_deep"] = {"study": "shallow_vs_deep", "shallow": "shallow", "deep": "deeper"}
    with pytest.raises(
        ValueError, match="names shallow_vs_deep.deeper, which vision.studies lacks"
    ):
        check_findings(raw, runs)


def test_weight_quantiles_interpolate_within_a_histogram_bin():
    bins = pd.DataFrame({"bin_left": EDGES[:-1], "bin_right": EDGES[1:], "count": 0})
    bins.loc[70, "count"] = 100  # every weight in log10|w| in [-1.0, -0.9]
    runs = bins.assign(study=REGS, variant="mlp_none", seed=42)
    (median,) = tables.abs_quantiles(runs, REGS, "mlp_none", 0.5)
    (top,) = tables.abs_quantiles(runs, REGS, "mlp_none", 0.99)
    assert median == pytest.approx(10**-0.95) and top == pytest.approx(10**-0.901)

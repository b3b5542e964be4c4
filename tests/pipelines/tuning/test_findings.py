"""The tuning findings node on fabricated study tables: each rule on both sides of it; the
one retrained network's test accuracy, a single seed, never decides alone."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pytest

from dl_lab.course.questions import load_course
from dl_lab.course.rules import ONE_SEED, VERDICTS
from dl_lab.pipelines.tuning.pipeline import create_pipeline

FINDINGS = create_pipeline().only_nodes("report_tuning_findings")
IN_BAND, LOW = 3e-3, 3e-4  # inside the course's 0.001-0.01 band, and below it


def study(
    lrs: Sequence[float], accs: Sequence[float], dropouts: Sequence[float] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A study's trials and pruner values: val_acc ``accs`` after epoch 1, +0.05 after 2."""
    n = len(lrs)
    dropouts = dropouts if dropouts is not None else [0.1] * n
    trials = pd.DataFrame(
        {
            "number": range(n),
            "state": "COMPLETE",
            "value": [a + 0.05 for a in accs],
            "best_epoch": 2,
            "epochs_run": 2,
            "mlflow_run_id": [f"trial-run-{i}" for i in range(n)],
            "param_lr": lrs,
            "param_dropout": dropouts,
            "param_batch_size": [64, 128] * (n // 2) + [64] * (n % 2),
        }
    )
    intermediate = pd.DataFrame(
        [
            {"trial": i, "state": "COMPLETE", "epoch": epoch, "value": acc + 0.05 * (epoch - 1)}
            for i, acc in enumerate(accs)
            for epoch in (1, 2)
        ]
    )
    return trials, intermediate


def findings(
    run_slice,
    trials,
    intermediate,
    test_acc: float | None = None,
    best: int | None = None,
    **tuning,
) -> pd.DataFrame:
    """The findings node on the study; the winner (``best``: the top trial) is tested once."""
    complete = trials[trials["state"] == "COMPLETE"]
    top = int(complete.loc[complete["value"].idxmax(), "number"])
    number = top if best is None else best
    val_acc = float(trials.loc[trials["number"] == number, "value"].iloc[0])
    best_params = {"study": "s", "trial": number, "val_acc": val_acc, "best_epoch": 2}
    final = {
        "test_acc": val_acc if test_acc is None else test_acc,
        "epochs": 2,
        "val_acc_of_best_trial": val_acc,
        "run_id": "final-run",
    }
    inputs = {
        "tuning_trials": trials,
        "tuning_intermediate_values": intermediate,
        "tuning_best_params": best_params,
        "tuning_final_summary": final,
    }
    out = run_slice(FINDINGS, inputs, params={"tuning": tuning} if tuning else None)
    table = out["tuning_findings"]
    assert set(table["verdict"]) <= set(VERDICTS)
    course = load_course()
    assert all(course.claim(claim) for claim in table["claim_id"])
    return table.set_index("claim_id")


def verdict(table: pd.DataFrame, claim: str) -> str:
    return table.loc[claim, "verdict"]


def test_low_learning_rates_learning_slower_reproduce_1_22(run_slice):
    trials, values = study(
        [LOW] * 4 + [IN_BAND] * 4, [0.50, 0.52, 0.48, 0.51, 0.90, 0.91, 0.89, 0.92]
    )
    table = findings(run_slice, trials, values)
    assert verdict(table, "1.22-lr") == "reproduced"
    assert "lr < 0.001" in table.loc["1.22-lr", "measured"]
    assert "trial-run-0" in table.loc["1.22-lr", "run_ids"]


def test_low_learning_rates_learning_faster_do_not(run_slice):
    trials, values = study(
        [LOW] * 4 + [IN_BAND] * 4, [0.90, 0.91, 0.89, 0.92, 0.80, 0.81, 0.79, 0.8]
    )
    assert verdict(findings(run_slice, trials, values), "1.22-lr") == "not_reproduced"


def test_two_noisy_trials_a_side_are_inconclusive(run_slice):
    trials, values = study([LOW, LOW, IN_BAND, IN_BAND], [0.3, 0.9, 0.4, 0.95])
    assert verdict(findings(run_slice, trials, values), "1.22-lr") == "inconclusive"


def test_too_few_trials_leave_the_comparisons_out(run_slice):
    trials, values = study([LOW, IN_BAND, IN_BAND], [0.5, 0.9, 0.9])  # one trial below the band
    table = findings(run_slice, trials, values)
    assert "1.22-lr" not in table.index and "2.23-strength" not in table.index
    assert verdict(table, "1.10b-procedure") == "inconclusive"  # one retrained network


def test_the_procedure_holds_but_one_retrained_network_cannot_tell_its_test_accuracy(run_slice):
    trials, values = study([LOW] * 3 + [IN_BAND] * 3, [0.5, 0.6, 0.55, 0.8, 0.85, 0.9])
    table = findings(run_slice, trials, values, test_acc=0.93)
    assert verdict(table, "1.10b-procedure") == "inconclusive"
    reason = table.loc["1.10b-procedure", "reason"]
    assert "5 of 5 cases hold" in reason
    assert f"retrained test_acc 0.93 vs the threshold 0.91: {ONE_SEED}" in reason
    assert table.loc["1.10b-procedure", "run_ids"] == "trial-run-5 | final-run"
    assert "tuning/trials.csv" in table.loc["1.10b-procedure", "evidence"]


def test_a_winner_that_drops_on_test_once_is_one_seed_inconclusive(run_slice):
    trials, values = study([LOW] * 3 + [IN_BAND] * 3, [0.5, 0.6, 0.55, 0.8, 0.85, 0.9])
    table = findings(run_slice, trials, values, test_acc=0.80)  # 0.15 below its val_acc
    assert verdict(table, "1.10b-procedure") == "inconclusive"
    assert "(-0.15)" in table.loc["1.10b-procedure", "measured"]  # measured all the same
    assert (
        f"retrained test_acc 0.8 vs the threshold 0.91: {ONE_SEED}"
        in (table.loc["1.10b-procedure", "reason"])
    )


def test_a_winner_that_is_not_the_best_trial_breaks_the_procedure(run_slice):
    trials, values = study([LOW] * 3 + [IN_BAND] * 3, [0.5, 0.6, 0.55, 0.8, 0.85, 0.9])
    table = findings(run_slice, trials, values, best=1)
    assert verdict(table, "1.10b-procedure") == "partly"
    assert "3 of 5 cases hold" in table.loc["1.10b-procedure", "reason"]


@pytest.mark.parametrize(
    ("accs", "expected"),
    [
        ([0.5, 0.52, 0.48, 0.51, 0.8, 0.82, 0.81, 0.83, 0.8], "reproduced"),
        ([0.8, 0.82, 0.81, 0.83, 0.5, 0.52, 0.48, 0.51, 0.5], "not_reproduced"),
    ],
)
def test_tpe_trials_against_its_random_start_up_trials(run_slice, accs, expected):
    trials, values = study([IN_BAND] * 9, accs)
    sampler = {"sampler": {"name": "tpe", "n_startup_trials": 4}}
    assert (
        verdict(findings(run_slice, trials, values, **sampler), "1.10b-bayes-efficient") == expected
    )


def test_a_random_sampler_has_no_start_up_phase_to_compare(run_slice):
    trials, values = study([IN_BAND] * 9, [0.5] * 4 + [0.8] * 5)
    table = findings(run_slice, trials, values, sampler={"name": "random"})
    assert "1.10b-bayes-efficient" not in table.index


@pytest.mark.parametrize(
    ("accs", "expected"),
    [([0.6, 0.62, 0.61, 0.9, 0.91, 0.92, 0.9], "reproduced"), ([0.9] * 7, "not_reproduced")],
)
def test_more_dropout_learning_slower_answers_2_23(run_slice, accs, expected):
    trials, values = study([IN_BAND] * 7, accs, dropouts=[0.45, 0.4, 0.35, 0.1, 0.05, 0.2, 0.0])
    table = findings(run_slice, trials, values)
    assert verdict(table, "2.23-strength") == expected
    assert "dropout > 0.25" in table.loc["2.23-strength", "measured"]  # the searched range's middle


def test_pruned_trials_count_by_their_first_epoch(run_slice):
    trials, values = study([LOW] * 3 + [IN_BAND] * 3, [0.5, 0.52, 0.51, 0.9, 0.91, 0.9])
    trials.loc[trials["number"] < 3, ["state", "value"]] = ["PRUNED", None]
    table = findings(run_slice, trials, values)
    assert verdict(table, "1.22-lr") == "reproduced"
    assert "3 pruned" in table.loc["1.10b-procedure", "measured"]

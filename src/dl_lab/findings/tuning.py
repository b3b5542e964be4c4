"""Course claims the study answers: 1.10b (procedure, samplers), 1.22 (learning rate), 2.23
(dropout), read from the trials table, the pruner's values and the final test.

Trials are compared by their validation accuracy after ``findings.at_epoch`` epochs: every
trial reports that epoch before the pruner may stop it, so pruned trials count as much as
complete ones. The trials vary every hyperparameter at once, so a comparison by one of them
is confounded by the others; with few trials the rules say ``inconclusive``. Groups of equal
size are paired in trial order (the t-interval of such differences of independent trials is
valid, only wider). A comparison with fewer than ``findings.min_trials`` trials on a side is
not answered. Nothing is trained here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from dl_lab.config import StrictModel
from dl_lab.course.findings import finding, findings_table
from dl_lab.course.questions import Course, load_course
from dl_lab.course.rules import Verdict, at_least, combine, direction, holds
from dl_lab.evaluation.stats import mean_interval
from dl_lab.tuning.config import TuningConfig

PIPELINE = "tuning"
TRIALS = "tuning/trials.csv"  # under data/08_reporting, as conf/base/catalog_tuning.yml writes
INTERMEDIATE = "tuning/intermediate_values.csv"
HISTORY = "tuning/optimization_history.png"
IMPORTANCES = "tuning/param_importances.png"
CONFUSION = "tuning/final_confusion_matrix.png"
MODEL_BASED = ("tpe", "cmaes")  # samplers that start with random trials, then fit a model
Row = dict[str, Any]


class TuningFindings(StrictModel):
    """How the findings node compares trials, and the tolerance of every rule."""

    at_epoch: int = Field(ge=1, description="trials compared by val_acc after this epoch")
    min_trials: int = Field(ge=2, description="trials per compared group, else not answered")
    accuracy_margin: float = Field(ge=0, description="smallest val_acc difference that counts")
    retrain_tolerance: float = Field(ge=0, description="test_acc may fall this far below val_acc")


class TuningParams(TuningConfig):
    """The ``tuning`` block: the study's configuration plus ``findings``."""

    findings: TuningFindings

    def study(self) -> TuningConfig:
        """The block without ``findings``: what the study and its runs are configured by."""
        return TuningConfig.model_validate(self.model_dump(exclude={"findings"}))


def scores_at(trials: pd.DataFrame, intermediate: pd.DataFrame, epoch: int) -> pd.DataFrame:
    """The trials that reached ``epoch``, with their validation accuracy then (``val_acc``)."""
    reached = intermediate.loc[intermediate["epoch"] == epoch, ["trial", "value"]]
    reached = reached.rename(columns={"trial": "number", "value": "val_acc"})
    return trials.drop(columns=["value"]).merge(reached, on="number")


def spread(scores: pd.DataFrame) -> str:
    """``0.91 [0.88, 0.94] over 6 trials``: the mean val_acc and its 95% interval."""
    values = scores["val_acc"].to_numpy(dtype=float)
    if len(values) == 1:
        return f"{values[0]:.3g} (1 trial)"
    low, high = mean_interval(values)
    return f"{values.mean():.3g} [{low:.3g}, {high:.3g}] over {len(values)} trials"


def run_ids(*tables: pd.DataFrame) -> list[str]:
    """The MLflow runs of the trials in ``tables``."""
    ids = pd.concat([t["mlflow_run_id"] for t in tables]).dropna()
    return [str(i) for i in ids if str(i)]


def below(
    a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str], cfg: TuningFindings
) -> Verdict | None:
    """``a``'s val_acc below ``b``'s by more than the margin; None with too few trials."""
    if min(len(a), len(b)) < cfg.min_trials:
        return None
    a, b = a.sort_values("number"), b.sort_values("number")
    return direction(a["val_acc"], b["val_acc"], "a<b", cfg.accuracy_margin, names)


def procedure(
    trials: pd.DataFrame,
    best: dict[str, Any],
    final: dict[str, Any],
    tuning: TuningParams,
    course: Course,
) -> Row:
    """1.10b: space -> strategy -> val score -> select by val_acc -> retrain, tested once."""
    complete = trials[trials["state"] == "COMPLETE"]
    values = complete["value"].astype(float)
    varied = [c for c in trials if c.startswith("param_") and trials[c].nunique() > 1]
    # the winner is the complete trial with the highest val_acc, and the one retrained
    winner = complete.loc[complete["number"] == best["trial"], "value"]
    cases = [
        bool(varied),
        len(values) > 0 and bool(values.between(0, 1).all()),
        len(winner) == 1 and np.isclose(winner.iloc[0], values.max()),
        bool(np.isclose(best["val_acc"], values.max())),
        bool(np.isclose(final["val_acc_of_best_trial"], best["val_acc"])) and "test_acc" in final,
    ]
    test_acc, val_acc = float(final["test_acc"]), float(best["val_acc"])
    # one retrained network, one seed: its test_acc alone leaves the check inconclusive
    verdict = combine(
        [
            holds(cases, "searched, scored on val, best by val_acc, winner retrained"),
            at_least(test_acc, val_acc - tuning.findings.retrain_tolerance, "retrained test_acc"),
        ]
    )
    states = trials["state"].value_counts()
    measured = (
        f"{len(varied)} hyperparameters varied by the {tuning.sampler.name} sampler over "
        f"{len(trials)} trials ({int(states.get('COMPLETE', 0))} complete, "
        f"{int(states.get('PRUNED', 0))} pruned); best trial {best['trial']} val_acc "
        f"{val_acc:.3g}, retrained on train+val for {final['epochs']} epoch(s): test_acc "
        f"{test_acc:.3g} ({test_acc - val_acc:+.3g})"
    )
    ids = run_ids(trials[trials["number"] == best["trial"]]) + [str(final["run_id"])]
    return finding(
        PIPELINE, "1.10b-procedure", measured, verdict, (TRIALS, HISTORY, CONFUSION), ids, course
    )


def sampler_efficiency(
    trials: pd.DataFrame, scores: pd.DataFrame, tuning: TuningParams, course: Course
) -> Row | None:
    """1.10b: a model-based sampler's trials score higher than its random start-up trials."""
    name, cfg = tuning.sampler.name, tuning.findings
    if name not in MODEL_BASED:
        return None
    finished = trials[trials["state"].isin(["COMPLETE", "PRUNED"])].sort_values("number")
    startup = finished["number"].iloc[: tuning.sampler.n_startup_trials]
    random = scores[scores["number"].isin(startup)]
    model = scores[scores["number"].isin(finished["number"]) & ~scores["number"].isin(startup)]
    verdict = below(random, model, ("random start-up trials", f"{name} trials"), cfg)
    if verdict is None:
        return None
    measured = (
        f"one {name} study, val_acc after epoch {cfg.at_epoch}: its random start-up trials "
        f"{spread(random)} vs its {name}-proposed trials {spread(model)}; random vs grid "
        "(separate studies) not run"
    )
    return finding(
        PIPELINE,
        "1.10b-bayes-efficient",
        measured,
        verdict,
        (TRIALS, HISTORY),
        run_ids(random, model),
        course,
    )


def learning_rate(scores: pd.DataFrame, cfg: TuningFindings, course: Course) -> Row | None:
    """1.22: trials with a learning rate below (or above) the course's band score lower."""
    low, high = course.claim("1.22-lr").value
    lr = scores["param_lr"].astype(float)
    inside = scores[(lr >= low) & (lr <= high)]
    band = f"lr {low:g}-{high:g}"
    sides = {f"lr < {low:g}": scores[lr < low], f"lr > {high:g}": scores[lr > high]}
    parts, verdicts, compared = [], [], [inside]
    for label, side in sides.items():
        verdict = below(side, inside, (label, band), cfg)
        if verdict is not None:
            parts.append(f"{label} {spread(side)}")
            verdicts.append(verdict)
            compared.append(side)
    if not verdicts:
        return None
    measured = (
        f"val_acc after epoch {cfg.at_epoch}: {band} {spread(inside)} vs {'; '.join(parts)} "
        "(the other hyperparameters vary across trials too)"
    )
    return finding(
        PIPELINE,
        "1.22-lr",
        measured,
        combine(verdicts),
        (TRIALS, INTERMEDIATE, IMPORTANCES),
        run_ids(*compared),
        course,
    )


def dropout_slows(scores: pd.DataFrame, tuning: TuningParams, course: Course) -> Row | None:
    """2.23 (dropout part): trials with more dropout than the range's middle learn slower."""
    space, cfg = tuning.search_space.dropout, tuning.findings
    middle = (space.low + space.high) / 2
    dropout = scores["param_dropout"].astype(float)
    more, less = scores[dropout > middle], scores[dropout <= middle]
    names = (f"dropout > {middle:g}", f"dropout <= {middle:g}")
    verdict = below(more, less, names, cfg)
    if verdict is None:
        return None
    measured = (
        f"dropout part only, val_acc after epoch {cfg.at_epoch}: {names[0]} {spread(more)} vs "
        f"{names[1]} {spread(less)} (the other hyperparameters vary too); L1 is not in the "
        "space, under- and overfitting are not measured here"
    )
    return finding(
        PIPELINE,
        "2.23-strength",
        measured,
        verdict,
        (TRIALS, INTERMEDIATE, IMPORTANCES),
        run_ids(more, less),
        course,
    )


def answer(
    trials: pd.DataFrame,
    intermediate: pd.DataFrame,
    best_params: dict[str, Any],
    final_summary: dict[str, Any],
    tuning: TuningParams,
) -> pd.DataFrame:
    """The findings table (DESIGN §9) of 1.10b, 1.22 and 2.23, from the study's tables;
    claims the study cannot measure are left out."""
    course = load_course()
    scores = scores_at(trials, intermediate, tuning.findings.at_epoch)
    rows = (
        procedure(trials, best_params, final_summary, tuning, course),
        sampler_efficiency(trials, scores, tuning, course),
        learning_rate(scores, tuning.findings, course),
        dropout_slows(scores, tuning, course),
    )
    return findings_table(row for row in rows if row is not None)

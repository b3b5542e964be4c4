"""What a study leaves behind, as plain tables and a dict: trials, pruner values, importances."""

from __future__ import annotations

from typing import Any

import optuna
import pandas as pd
from optuna.importance import FanovaImportanceEvaluator, get_param_importances
from optuna.trial import TrialState

from dl_lab.tuning.space import to_variant
from dl_lab.tuning.study import retried_numbers, retry_history

TRIAL_COLUMNS = ["number", "state", "value", "best_epoch", "epochs_run", "duration_s", "retry_of"]


def trials_table(study: optuna.Study) -> pd.DataFrame:
    """One row per trial: state, objective value, epochs, duration and sampled parameters."""
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    rows = []
    for t in trials:
        duration = t.duration.total_seconds() if t.duration is not None else None
        history = retry_history(t)
        rows.append(
            {
                "number": t.number,
                "state": t.state.name,
                "value": t.value,
                "best_epoch": t.user_attrs.get("best_epoch"),
                "epochs_run": t.user_attrs.get("epochs_run", len(t.intermediate_values)),
                "duration_s": duration,
                "retry_of": history[0] if history else None,
                "retried": t.number in retried,
                "mlflow_run_id": t.user_attrs.get("mlflow_run_id"),
                "worker": t.user_attrs.get("worker"),
                **{f"param_{k}": v for k, v in t.params.items()},
            }
        )
    return pd.DataFrame(rows, columns=None if rows else TRIAL_COLUMNS)


def intermediate_table(study: optuna.Study) -> pd.DataFrame:
    """One row per (trial, epoch): the validation accuracy reported to the pruner."""
    rows = [
        {"trial": t.number, "state": t.state.name, "epoch": step + 1, "value": value}
        for t in study.get_trials(deepcopy=False)
        for step, value in sorted(t.intermediate_values.items())
    ]
    return pd.DataFrame(rows, columns=["trial", "state", "epoch", "value"])


def importance_table(study: optuna.Study, seed: int) -> pd.DataFrame:
    """fANOVA importances (Hutter et al. 2014) over complete trials; empty if fewer than 2."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    varied = {k for t in complete for k in t.params if len({u.params.get(k) for u in complete}) > 1}
    if len(complete) < 2 or not varied:
        return pd.DataFrame(columns=["param", "importance"])
    scores = get_param_importances(
        study, evaluator=FanovaImportanceEvaluator(seed=seed), params=sorted(varied)
    )
    return pd.DataFrame({"param": list(scores), "importance": list(scores.values())})


def best_summary(study: optuna.Study, seed: int) -> dict[str, Any]:
    """The best trial as a reusable configuration: params, variant, batch size, epochs."""
    best = study.best_trial  # raises ValueError when no trial completed
    variant, batch_size = to_variant(best.params, seed)
    return {
        "study": study.study_name,
        "trial": best.number,
        "val_acc": best.value,
        "best_epoch": best.user_attrs.get("best_epoch"),
        "params": dict(best.params),
        "batch_size": batch_size,
        "variant": variant.model_dump(mode="json"),
        "complete_trials": len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))),
    }

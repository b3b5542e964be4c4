"""Nodes: fit diagnosis (1.17) on synthetic curves and tracked runs; early stopping (1.16)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import progress, tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.config import EarlyStoppingParams, FitParams, TrackedRunsParams
from dl_lab.diagnostics.curves import KINDS, synthetic_history
from dl_lab.diagnostics.early_stopping import lightning_early_stopping, simulate_early_stopping
from dl_lab.evaluation.fit import diagnose_fit, diagnosis_row, fit_diagnosis_tags
from dl_lab.reporting.diagnostics.fit import plot_early_stopping, plot_fit_panels
from dl_lab.training.fit import fit as fit_variant


def diagnose_synthetic_curves(params: FitParams, seed: int) -> tuple[pd.DataFrame, Figure]:
    """Diagnose one synthetic history of each regime; a table and annotated curves."""
    histories = {k: synthetic_history(k, params.synthetic_epochs, seed=seed) for k in KINDS}
    diagnoses = {k: diagnose_fit(h, params.thresholds) for k, h in histories.items()}
    table = pd.DataFrame(
        [{"curve": k, "expected": k, **diagnosis_row(d)} for k, d in diagnoses.items()]
    )
    table["remedies"] = [" | ".join(d.remedies) for d in diagnoses.values()]
    return table, plot_fit_panels(histories, diagnoses)


def train_tracked_runs(
    model_input: ModelInput, params: TrackedRunsParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, Figure]:
    """Lightning runs (MLflow child runs, tagged with their diagnosis); histories, table, plot."""
    histories, rows, diagnoses = {}, [], {}
    for name, run in params.runs.items():
        identity = tracking.RunIdentity("diagnostics", "fit_diagnosis", name, seed)
        data = model_input.train_subset(run.train_size, seed)
        result = fit_variant(data, run.variant, params.trainer, identity)
        with tracking.resume_run(result.run_id):
            tracking.set_tags(fit_diagnosis_tags(result.history, fit.thresholds))
        diagnoses[name] = diagnose_fit(result.history, fit.thresholds)
        progress.announce(
            "diagnostics",
            f"fit_diagnosis.{name}.seed{seed}",
            "best_val_acc",
            result.summary.get("best_val_acc", float("nan")),
            result.best_epoch or None,
            result.summary.get("wall_time_s"),
        )
        histories[name] = result.history
        stopped = result.summary.get("epochs_run", 0) < params.trainer.max_epochs
        rows.append({"run": name, "run_id": result.run_id, "train_size": run.train_size,
                     "stopped_early": stopped, **result.summary,
                     **diagnosis_row(diagnoses[name])})  # fmt: skip
    long = pd.concat([h.assign(run=n) for n, h in histories.items()], ignore_index=True)
    return long, pd.DataFrame(rows), plot_fit_panels(histories, diagnoses)


def check_early_stopping(
    params: EarlyStoppingParams, tracked_histories: pd.DataFrame, tracked_table: pd.DataFrame
) -> tuple[pd.DataFrame, Figure]:
    """Our rule and Lightning's callback on the scripted sequence; a real run's stop marked."""
    values = params.scripted_val_loss
    ours = simulate_early_stopping(values, params.patience, params.min_delta)
    theirs = lightning_early_stopping(values, params.patience, params.min_delta)
    row = tracked_table.set_index("run").loc[params.real_run]
    table = pd.DataFrame(
        [
            {"source": "rule (ours)", "best_epoch": ours.best_epoch,
             "restored_weights_epoch": ours.checkpoint_epoch, "stop_epoch": ours.stop_epoch,
             "stopped_early": ours.stopped_early},
            {"source": "lightning EarlyStopping + ModelCheckpoint", **theirs},
            {"source": f"real run {params.real_run}", "best_epoch": int(row["best_epoch"]),
             "restored_weights_epoch": int(row["best_epoch"]),
             "stop_epoch": int(row["epochs_run"]), "stopped_early": bool(row["stopped_early"])},
        ]
    )  # fmt: skip
    real = tracked_histories[tracked_histories["run"] == params.real_run]
    title = f"{params.real_run} (Lightning, patience from the trainer config)"
    figure = plot_early_stopping(
        ours.trace, real, int(row["best_epoch"]), int(row["epochs_run"]), title
    )
    return table, figure

"""Nodes: fit diagnosis (1.17) on synthetic curves and tracked runs; early stopping (1.16)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import progress, tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.config import EarlyStoppingParams, FitParams, Seeds, TrackedRunsParams
from dl_lab.diagnostics.curves import KINDS, synthetic_history
from dl_lab.diagnostics.early_stopping import lightning_early_stopping, simulate_early_stopping
from dl_lab.diagnostics.jobs import first_seed
from dl_lab.evaluation.fit import diagnose_fit, diagnosis_row, fit_diagnosis_tags
from dl_lab.reporting.diagnostics.fit import plot_early_stopping, plot_fit_panels
from dl_lab.training.fit import FitJob, fit_all


def diagnose_synthetic_curves(params: FitParams, seeds: Seeds) -> tuple[pd.DataFrame, Figure]:
    """Diagnose one synthetic history of each regime per seed (its noise); a table and the
    first seed's annotated curves."""
    rows, shown = [], {}
    for seed in seeds:
        for kind in KINDS:
            history = synthetic_history(kind, params.synthetic_epochs, seed=seed)
            diagnosis = diagnose_fit(history, params.thresholds)
            rows.append({"seed": seed, "curve": kind, "expected": kind, **diagnosis_row(diagnosis),
                         "remedies": " | ".join(diagnosis.remedies)})  # fmt: skip
            shown.setdefault(kind, (history, diagnosis))
    figure = plot_fit_panels({k: h for k, (h, _) in shown.items()},
                             {k: d for k, (_, d) in shown.items()})  # fmt: skip
    return pd.DataFrame(rows), figure


def train_tracked_runs(
    model_input: ModelInput, params: TrackedRunsParams, fit: FitParams, seeds: Seeds
) -> tuple[pd.DataFrame, pd.DataFrame, Figure]:
    """Lightning runs on each seed (MLflow child runs, tagged with their diagnosis), trained
    on the worker pool and tracked here as each finishes; histories, table, and the first
    seed's curves."""
    points = [(seed, name, run) for seed in seeds for name, run in params.runs.items()]
    jobs = [FitJob(model_input.train_subset(run.train_size, seed), run.variant, params.trainer,
                   tracking.RunIdentity("diagnostics", "fit_diagnosis", name, seed))
            for seed, name, run in points]  # fmt: skip
    results = {}
    for index, result in fit_all(jobs):
        seed, name, _ = points[index]
        with tracking.resume_run(result.run_id):
            tracking.set_tags(fit_diagnosis_tags(result.history, fit.thresholds))
        progress.announce(
            "diagnostics",
            f"fit_diagnosis.{name}.seed{seed}",
            "best_val_acc",
            result.summary.get("best_val_acc", float("nan")),
            result.best_epoch or None,
            result.summary.get("wall_time_s"),
        )
        results[index] = result
    histories, rows, shown = [], [], {}
    for index, (seed, name, run) in enumerate(points):
        result = results[index]
        diagnosis = diagnose_fit(result.history, fit.thresholds)
        histories.append(result.history.assign(seed=seed, run=name))
        shown.setdefault(name, (result.history, diagnosis))
        stopped = result.summary.get("epochs_run", 0) < params.trainer.max_epochs
        rows.append({"seed": seed, "run": name, "run_id": result.run_id,
                     "train_size": run.train_size, "stopped_early": stopped,
                     **result.summary, **diagnosis_row(diagnosis)})  # fmt: skip
    figure = plot_fit_panels({n: h for n, (h, _) in shown.items()},
                             {n: d for n, (_, d) in shown.items()})  # fmt: skip
    return pd.concat(histories, ignore_index=True), pd.DataFrame(rows), figure


def check_early_stopping(
    params: EarlyStoppingParams, tracked_histories: pd.DataFrame, tracked_table: pd.DataFrame
) -> tuple[pd.DataFrame, Figure]:
    """Our rule and Lightning's callback on the scripted sequence; a real run's stop marked."""
    values = params.scripted_val_loss
    ours = simulate_early_stopping(values, params.patience, params.min_delta)
    theirs = lightning_early_stopping(values, params.patience, params.min_delta)
    first = first_seed(tracked_table)  # the real run shown: its first seed
    row = first.set_index("run").loc[params.real_run]
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
    real = tracked_histories[
        (tracked_histories["run"] == params.real_run)
        & (tracked_histories["seed"] == first["seed"].iloc[0])
    ]
    title = f"{params.real_run} (Lightning, patience from the trainer config)"
    figure = plot_early_stopping(
        ours.trace, real, int(row["best_epoch"]), int(row["epochs_run"]), title
    )
    return table, figure

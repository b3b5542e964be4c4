"""Pruning vs no pruning: the same study budget and seed, epochs spent and best val accuracy.

Runs the study of ``conf/base/parameters_tuning.yml`` (search space, sampler) once per
pruner and seed, each in its own scratch storage and MLflow store, with the same number of
trials and the same epoch budget per trial. Reports, per pruner and seed, the epochs
actually trained, the best validation accuracy, and both relative to the run without
pruning on the same seed; with several seeds, also a summary per pruner. The goal
(issue 4): pruning reaches the no-pruning best within 0.3 points using <= 40% of its epochs.

    .venv/bin/kedro run --pipelines data_processing      # once: data/05_model_input
    .venv/bin/python bench/tuning_pruning.py --trials 20 --epochs 8 --seeds 42 0 1 2 3 4

Prints Markdown tables for BENCHMARKS.md and writes the per-seed table as CSV (``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import mlflow
import pandas as pd
import torch
import yaml

from dl_lab.data.bundle import ModelInput
from dl_lab.datasets import ModelInputDataset
from dl_lab.errors import NonFiniteLossError
from dl_lab.tuning.config import TuningConfig
from dl_lab.tuning.objective import make_objective
from dl_lab.tuning.runs import study_identity
from dl_lab.tuning.study import open_study, optimize

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "conf" / "base" / "parameters_tuning.yml"
MODEL_INPUT = ROOT / "data" / "05_model_input" / "model_input.pt"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=8, help="epoch budget of every trial")
    parser.add_argument("--subset", type=int, default=1000, help="training images per trial")
    parser.add_argument("--pruners", nargs="+", default=["none", "median", "hyperband"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "data/08_reporting/tuning/pruning_bench.csv"
    )
    return parser.parse_args()


def study_config(pruner: str, args: argparse.Namespace, folder: Path) -> TuningConfig:
    """The shipped study with only the pruner, budget and storage changed."""
    shipped = yaml.safe_load(PARAMETERS.read_text())["tuning"]
    shipped.update(study_name=f"bench_{pruner}", n_trials=args.trials)
    shipped["pruner"]["name"] = pruner
    shipped["storage"] = {
        "url": f"sqlite:///{folder}/optuna_{pruner}.db",
        "heartbeat_interval": None,
    }
    shipped["trial"].update(max_epochs=args.epochs, train_subset=args.subset)
    shipped["trainer"]["accelerator"] = "cpu"
    return TuningConfig(**shipped)


def run_one(
    pruner: str, seed: int, model_input: ModelInput, args: argparse.Namespace, folder: Path
) -> dict:
    cfg = study_config(pruner, args, folder / f"seed{seed}")
    study = open_study(cfg, seed)
    identity = study_identity("bench", cfg, model_input, seed, bench="pruning")
    objective = make_objective(model_input, cfg, identity)
    started = time.perf_counter()
    optimize(study, objective, cfg.n_trials, catch=(NonFiniteLossError,))
    states = pd.Series([t.state.name for t in study.trials]).value_counts()
    return {
        "seed": seed,
        "pruner": pruner,
        "trials": len(study.trials),
        "pruned": int(states.get("PRUNED", 0)),
        "epochs_spent": sum(len(t.intermediate_values) for t in study.trials),
        "best_val_acc": study.best_value,
        "best_trial": study.best_trial.number,
        "wall_s": round(time.perf_counter() - started, 1),
    }


def markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table (without the optional ``tabulate`` dependency)."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)


def against_no_pruning(table: pd.DataFrame) -> pd.DataFrame:
    """Each row's epochs and best val acc relative to the run without pruning on its seed."""
    base = table[table["pruner"] == "none"].set_index("seed")
    epochs = table["seed"].map(base["epochs_spent"])
    best = table["seed"].map(base["best_val_acc"])
    table = table.assign(
        epochs_vs_none=(table["epochs_spent"] / epochs).round(3),
        val_acc_gap_points=((table["best_val_acc"] - best) * 100).round(2),
    )
    return table.assign(
        goal_met=(table["epochs_vs_none"] <= 0.40) & (table["val_acc_gap_points"] >= -0.3)
    )


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per pruner over the seeds: mean and worst of both figures, and seeds meeting the goal."""
    grouped = table.groupby("pruner", sort=False)
    return pd.DataFrame(
        {
            "seeds": grouped.size(),
            "mean_epochs_vs_none": grouped["epochs_vs_none"].mean().round(3),
            "max_epochs_vs_none": grouped["epochs_vs_none"].max(),
            "mean_gap_points": grouped["val_acc_gap_points"].mean().round(2),
            "worst_gap_points": grouped["val_acc_gap_points"].min(),
            "seeds_within_0.3": grouped["val_acc_gap_points"].apply(
                lambda g: int((g >= -0.3).sum())
            ),
            "seeds_goal_met": grouped["goal_met"].sum().astype(int),
        }
    ).reset_index()


def main() -> None:
    args = parse_args()
    if not MODEL_INPUT.is_file():
        raise SystemExit(f"{MODEL_INPUT} is missing: run `kedro run --pipelines data_processing`")
    if "none" not in args.pruners:
        raise SystemExit("--pruners must include `none`: every figure is relative to it")
    model_input = ModelInputDataset(str(MODEL_INPUT)).load()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
        mlflow.set_experiment("bench-tuning-pruning")
        for seed in args.seeds:
            for pruner in args.pruners:
                rows.append(run_one(pruner, seed, model_input, args, folder))
                print(rows[-1], flush=True)
    table = against_no_pruning(pd.DataFrame(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    load = os.getloadavg()
    print(
        f"\n{args.trials} trials x <= {args.epochs} epochs on {args.subset} images, seeds "
        f"{args.seeds}, sampler from {PARAMETERS.name}; {platform.processor() or platform.machine()}"
        f", torch threads {torch.get_num_threads()}, load average at the end {load[0]:.1f}\n"
    )
    print(markdown(table))
    if len(args.seeds) > 1:
        print("\n" + markdown(summary(table)))


if __name__ == "__main__":
    main()

"""One Optuna worker vs several on one study: wall time, CPU time, trials and best value.

Runs the shipped study (``conf/base/parameters_tuning.yml``: search space, sampler, pruner)
with the same budget once per worker count, each on a fresh journal file (or a PostgreSQL
URL, ``--storage``, emptied first by the caller) and a scratch MLflow store. Every worker is
a spawned process that trains its trials through ``tuning.objective`` with one torch thread,
as ``kedro tune-worker`` does; worker 0 plays the ``kedro run``'s part.

    .venv/bin/kedro run --pipelines data_processing      # once: data/05_model_input
    .venv/bin/python bench/optuna_workers.py --workers 1 2 --trials 12 --epochs 4

Prints a Markdown table for BENCHMARKS.md. With as many workers as free cores, the wall time
should fall with the worker count; the best value differs because the trials differ (each
worker's sampler has its own seed), not because sharing loses anything.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path

import optuna
import yaml
from _table import print_markdown  # bench/_table.py (the script's folder)
from optuna.trial import TrialState

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "conf" / "base" / "parameters_tuning.yml"
MODEL_INPUT = ROOT / "data" / "05_model_input" / "model_input.pt"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=4, help="epoch budget of every trial")
    parser.add_argument("--subset", type=int, default=1000, help="training images per trial")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--storage", help="a PostgreSQL URL (default: a fresh journal file)")
    parser.add_argument("--model-input", type=Path, default=MODEL_INPUT)
    return parser.parse_args()


def study_config(args: argparse.Namespace, url: str, worker: int) -> dict:
    shipped = yaml.safe_load(PARAMETERS.read_text())["tuning"]
    shipped.pop("findings")
    shipped.update(study_name="bench_workers", n_trials=args.trials, worker=worker)
    shipped["storage"]["url"] = url
    shipped["trial"].update(max_epochs=args.epochs, train_subset=args.subset)
    shipped["trainer"]["num_threads"] = 1
    return shipped


def work(config: dict, seed: int, tracking_uri: str, model_input: str, start, results) -> None:
    """One worker process: open the study, wait for the others, run trials to the total."""
    import mlflow

    from dl_lab.datasets import ModelInputDataset
    from dl_lab.errors import NonFiniteLossError
    from dl_lab.tuning.config import TuningConfig
    from dl_lab.tuning.locks import study_lock
    from dl_lab.tuning.objective import make_objective
    from dl_lab.tuning.runs import study_identity
    from dl_lab.tuning.study import open_study, optimize

    cfg = TuningConfig.model_validate(config)
    data = ModelInputDataset(model_input).load()
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("bench_workers")
    study = open_study(cfg, seed)
    objective = make_objective(data, cfg, study_identity("tuning", cfg, data, seed))
    lock = study_lock(cfg.storage, cfg.study_name)
    start.wait(timeout=600)
    ran = optimize(study, objective, cfg.n_trials, catch=(NonFiniteLossError,), lock=lock)
    results.put((cfg.worker, ran))


def run_workers(args: argparse.Namespace, count: int, folder: Path) -> dict:
    import mlflow

    url = args.storage or f"journal:{folder / f'study_{count}.log'}"
    context = multiprocessing.get_context("spawn")  # torch: no fork
    start, results = context.Barrier(count + 1), context.Queue()
    tracking_uri = f"sqlite:///{folder / f'mlflow_{count}.db'}"
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("bench_workers")  # the store exists before the workers start
    workers = [
        context.Process(
            target=work,
            args=(
                study_config(args, url, worker),
                args.seed,
                tracking_uri,
                str(args.model_input),
                start,
                results,
            ),
        )
        for worker in range(count)
    ]
    for process in workers:
        process.start()
    start.wait(timeout=600)  # every worker has loaded torch, the data and the study
    before, started = _children_cpu(), time.perf_counter()
    for process in workers:
        process.join()
    wall = time.perf_counter() - started
    if any(process.exitcode != 0 for process in workers):
        raise SystemExit(f"a worker failed: exit codes {[p.exitcode for p in workers]}")
    ran = dict(results.get(timeout=10) for _ in workers)
    ran = [ran[worker] for worker in range(count)]
    cpu = _children_cpu() - before
    from dl_lab.tuning.config import StorageConfig
    from dl_lab.tuning.study import build_storage

    storage = build_storage(StorageConfig(url=url)) if url.startswith("journal:") else url
    trials = optuna.load_study(study_name="bench_workers", storage=storage).get_trials()
    states = [t.state for t in trials]
    return {
        "workers": count,
        "wall s": wall,
        "CPU s (workers, with start-up)": cpu,
        "trials": len(trials),
        "complete": states.count(TrialState.COMPLETE),
        "pruned": states.count(TrialState.PRUNED),
        "epochs trained": sum(len(t.intermediate_values) for t in trials),
        "best val acc": max(t.value for t in trials if t.state == TrialState.COMPLETE),
        "trials per worker": "+".join(map(str, ran)),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime  # of the pool's processes once they have ended


def main() -> None:
    args = parse_args()
    if not args.model_input.exists():
        raise SystemExit(
            f"{args.model_input} is missing: run `kedro run --pipelines data_processing`"
        )
    if args.storage and len(args.workers) > 1:
        raise SystemExit("--storage holds one study: give one --workers count per storage")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_workers(args, count, Path(tmp)) for count in args.workers]
    print(
        f"\n{args.trials} trials of <= {args.epochs} epochs on {args.subset} images, seed "
        f"{args.seed}, {os.cpu_count()} cores, load before {os.getloadavg()[0]:.1f}\n"
    )
    print_markdown(rows)


if __name__ == "__main__":
    main()
